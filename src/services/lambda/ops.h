// Lambda's operation handlers, one per operation and named after it (service.cc holds the table),
// and the helpers they share. Handlers live in namespace ops because the Invoke handler would
// otherwise overload invoke.h's lambda::invoke and could not be named in the table.
//
// Handlers reach the running service's state through state(ctx) (state.h). One error channel:
// a handler returns the output Doc or throws an AwsError (errors.h, the generated factories, or
// core/error.h's common ones); async handlers throw before deferring and call done(err) after.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "core/doc.h"
#include "core/error.h"
#include "services/lambda/errors.h"
#include "services/lambda/store.h"
#include "services/service.h"

namespace stratus::lambda::ops {

// ---- shared by the handlers (ops/common.cc) ----

// A configuration as the API shows it (without Stratus' own "_code", "_layers").
Doc public_config(const Doc& cfg);
// PreconditionFailedException when the request's RevisionId is not the configuration's.
void check_revision(const Doc& in, const Doc& cfg);
// A configuration was changed: new LastModified and RevisionId.
void touch(Doc& cfg, const OpContext& ctx);
// Sorts "$LATEST" first, then versions numerically.
std::string version_sort_key(const std::string& v);
// A page of sorted (key, item) pairs: MaxItems (default 50) after Marker, the base64 of the last
// key returned; `marker_key` is set when more items follow.
Doc page(std::vector<std::pair<std::string, Doc>> items, const Doc& in, const char* list_key,
         const char* marker_key);
// The function's ARN with the qualifier ("$LATEST" when none).
std::string qualified_arn(const OpContext& ctx, const FnRef& ref);
// Publishes $LATEST as the next version unless the newest version already has this code and
// configuration (AWS then returns that version). Returns the version number. (ops/versions.cc)
std::string publish(OpContext& ctx, Doc& rec, const std::string& description);

// ---- functions (ops/functions.cc) ----
Doc create_function(OpContext& ctx, const Doc& in);
Doc get_function(OpContext& ctx, const Doc& in);
Doc get_function_configuration(OpContext& ctx, const Doc& in);
Doc list_functions(OpContext& ctx, const Doc& in);
Doc update_function_code(OpContext& ctx, const Doc& in);
Doc update_function_configuration(OpContext& ctx, const Doc& in);
Doc delete_function(OpContext& ctx, const Doc& in);

// ---- versions and aliases (ops/versions.cc) ----
Doc publish_version(OpContext& ctx, const Doc& in);
Doc list_versions_by_function(OpContext& ctx, const Doc& in);
Doc create_alias(OpContext& ctx, const Doc& in);
Doc get_alias(OpContext& ctx, const Doc& in);
Doc update_alias(OpContext& ctx, const Doc& in);
Doc delete_alias(OpContext& ctx, const Doc& in);
Doc list_aliases(OpContext& ctx, const Doc& in);

// ---- reserved and provisioned concurrency, account settings (ops/concurrency.cc) ----
// Provisioned configurations are stored in the function record: "provisioned" {qualifier:
// {Requested, LastModified}}. The manager keeps that many environments of the (alias's) version
// warm; Status, Available and Allocated are read from the live pool, so they are IN_PROGRESS
// again after a restart until the environments are re-created.
Doc put_function_concurrency(OpContext& ctx, const Doc& in);
Doc get_function_concurrency(OpContext& ctx, const Doc& in);
Doc delete_function_concurrency(OpContext& ctx, const Doc& in);
Doc put_provisioned_concurrency_config(OpContext& ctx, const Doc& in);
Doc get_provisioned_concurrency_config(OpContext& ctx, const Doc& in);
Doc delete_provisioned_concurrency_config(OpContext& ctx, const Doc& in);
Doc list_provisioned_concurrency_configs(OpContext& ctx, const Doc& in);
Doc get_account_settings(OpContext& ctx, const Doc& in);

// ---- resource policy (ops/permissions.cc) ----
// A function's (per qualifier) and a layer version's resource policy is a list of statements.
// Removes the statement `sid` from `statements` (null when there are none yet); throws
// ResourceNotFoundException when it is not there.
// Makes `statements` a list when null, and answers a new statement {Sid, Effect: Allow} for the
// caller to complete and add; ResourceConflictException when `sid` is already there.
Doc new_statement(Doc& statements, const std::string& sid);
void remove_statement(Doc* statements, const std::string& sid);
// GetPolicy's and GetLayerVersionPolicy's answer: the statements as a policy document (JSON
// text) and the policy's RevisionId.
Doc policy_answer(const Doc& statements, const std::string& revision_id);
Doc add_permission(OpContext& ctx, const Doc& in);
Doc remove_permission(OpContext& ctx, const Doc& in);
Doc get_policy(OpContext& ctx, const Doc& in);

// ---- tags (ops/tags.cc) ----
Doc tag_resource(OpContext& ctx, const Doc& in);
Doc untag_resource(OpContext& ctx, const Doc& in);
Doc list_tags(OpContext& ctx, const Doc& in);

// ---- event invoke config: retries, event age and destinations of Event invocations
//      (ops/event_invoke_config.cc) ----
Doc put_function_event_invoke_config(OpContext& ctx, const Doc& in);
Doc update_function_event_invoke_config(OpContext& ctx, const Doc& in);
Doc get_function_event_invoke_config(OpContext& ctx, const Doc& in);
Doc delete_function_event_invoke_config(OpContext& ctx, const Doc& in);
Doc list_function_event_invoke_configs(OpContext& ctx, const Doc& in);

// ---- function URL configurations (ops/urls.cc; the HTTP side in url_router.cc, urls.h) ----
Doc create_function_url_config(OpContext& ctx, const Doc& in);
Doc get_function_url_config(OpContext& ctx, const Doc& in);
Doc update_function_url_config(OpContext& ctx, const Doc& in);
Doc delete_function_url_config(OpContext& ctx, const Doc& in);
Doc list_function_url_configs(OpContext& ctx, const Doc& in);

// ---- event source mappings (ops/esm.cc; the pollers in esm.h) ----
Doc create_event_source_mapping(OpContext& ctx, const Doc& in);
Doc get_event_source_mapping(OpContext& ctx, const Doc& in);
Doc list_event_source_mappings(OpContext& ctx, const Doc& in);
Doc update_event_source_mapping(OpContext& ctx, const Doc& in);
Doc delete_event_source_mapping(OpContext& ctx, const Doc& in);

// ---- layers (ops/layers.cc; the store in layers.h) ----
Doc publish_layer_version(OpContext& ctx, const Doc& in);
Doc get_layer_version(OpContext& ctx, const Doc& in);
Doc get_layer_version_by_arn(OpContext& ctx, const Doc& in);
Doc list_layers(OpContext& ctx, const Doc& in);
Doc list_layer_versions(OpContext& ctx, const Doc& in);
Doc delete_layer_version(OpContext& ctx, const Doc& in);
Doc add_layer_version_permission(OpContext& ctx, const Doc& in);
Doc remove_layer_version_permission(OpContext& ctx, const Doc& in);
Doc get_layer_version_policy(OpContext& ctx, const Doc& in);

// ---- invocation (ops/invoke.cc), answered through State::run ----
void invoke(OpContext& ctx, const Doc& in, Done done);
void invoke_async(OpContext& ctx, const Doc& in, Done done);
void invoke_with_response_stream(OpContext& ctx, const Doc& in, Done done);

}  // namespace stratus::lambda::ops
