// Lambda's operation handlers, one per operation and named after it (service.cc holds the table),
// and the helpers they share. Handlers live in namespace ops because the Invoke handler would
// otherwise overload invoke.h's lambda::invoke and could not be named in the table.
//
// Handlers reach the running service's state through state(ctx) (state.h). One error channel:
// a handler returns the output Doc or throws an AwsError (errors.h, the generated factories, or
// core/error.h's common ones); async handlers throw before deferring and call done(err) after.
#pragma once

#include <functional>
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
// List{ProvisionedConcurrency,FunctionEventInvoke,FunctionUrl}Configs: the entries of one of the
// function record's per-qualifier maps (`field`: "provisioned", "invoke_config", "urls"), each
// rendered by render(record, qualifier, entry), one page of them under `list_key` (NextMarker).
Doc list_qualifier_configs(OpContext& ctx, const Doc& in, const char* field, const char* list_key,
                           const std::function<Doc(const Doc&, const std::string&, const Doc&)>& render);
// The function's ARN with the qualifier ("$LATEST" when none).
std::string qualified_arn(const OpContext& ctx, const FnRef& ref);
// Publishes $LATEST as the next version unless the newest version already has this code and
// configuration (AWS then returns that version). Returns the version number. (ops/versions.cc)
std::string publish(OpContext& ctx, Doc& rec, const std::string& description);

// ---- functions (ops/functions.cc) ----
HandlerFn create_function, get_function, get_function_configuration, list_functions, update_function_code,
    update_function_configuration, delete_function;

// ---- versions and aliases (ops/versions.cc) ----
HandlerFn publish_version, list_versions_by_function, create_alias, get_alias, update_alias, delete_alias, list_aliases;

// ---- reserved and provisioned concurrency, account settings (ops/concurrency.cc) ----
// Provisioned configurations are stored in the function record: "provisioned" {qualifier:
// {Requested, LastModified}}. The manager keeps that many environments of the (alias's) version
// warm; Status, Available and Allocated are read from the live pool, so they are IN_PROGRESS
// again after a restart until the environments are re-created.
HandlerFn put_function_concurrency, get_function_concurrency, delete_function_concurrency,
    put_provisioned_concurrency_config, get_provisioned_concurrency_config, delete_provisioned_concurrency_config,
    list_provisioned_concurrency_configs, get_account_settings;

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
HandlerFn add_permission, remove_permission, get_policy;

// ---- tags (ops/tags.cc) ----
HandlerFn tag_resource, untag_resource, list_tags;

// ---- event invoke config: retries, event age and destinations of Event invocations
//      (ops/event_invoke_config.cc) ----
HandlerFn put_function_event_invoke_config, update_function_event_invoke_config, get_function_event_invoke_config,
    delete_function_event_invoke_config, list_function_event_invoke_configs;

// ---- function URL configurations (ops/urls.cc; the HTTP side in url_router.cc, urls.h) ----
HandlerFn create_function_url_config, get_function_url_config, update_function_url_config, delete_function_url_config,
    list_function_url_configs;

// ---- event source mappings (ops/esm.cc; the pollers in esm.h) ----
HandlerFn create_event_source_mapping, get_event_source_mapping, list_event_source_mappings,
    update_event_source_mapping, delete_event_source_mapping;

// ---- layers (ops/layers.cc; the store in layers.h) ----
HandlerFn publish_layer_version, get_layer_version, get_layer_version_by_arn, list_layers, list_layer_versions,
    delete_layer_version, add_layer_version_permission, remove_layer_version_permission, get_layer_version_policy;

// ---- invocation (ops/invoke.cc), answered through State::run ----
void invoke(OpContext& ctx, const Doc& in, Done done);
void invoke_async(OpContext& ctx, const Doc& in, Done done);
void invoke_with_response_stream(OpContext& ctx, const Doc& in, Done done);

}  // namespace stratus::lambda::ops
