// SQS's operation handlers, one per operation, named after it (service.cc's table), and what
// they share. Handlers reach the running SQS through state(ctx); an error that ends an
// operation is thrown (batches report their entries' errors as Failed entries instead).
//
//   ops/queues.cc       CreateQueue, GetQueueUrl, ListQueues, DeleteQueue, Get/SetQueueAttributes,
//                       PurgeQueue, ListDeadLetterSourceQueues
//   ops/messages.cc     SendMessage(Batch), ReceiveMessage, DeleteMessage(Batch),
//                       ChangeMessageVisibility(Batch)
//   ops/permissions.cc  TagQueue, UntagQueue, ListQueueTags, AddPermission, RemovePermission
//   ops/move_tasks.cc   StartMessageMoveTask, ListMessageMoveTasks, CancelMessageMoveTask
//   ops/input.cc        what Service::complete_input adds and checks
#pragma once

#include <string>

#include "core/doc.h"
#include "core/result.h"
#include "services/service.h"
#include "services/sqs/queue.h"

namespace stratus::sqs {

class State;

// The running SQS of this server (service.cc).
State& state(OpContext& ctx);

// Service::complete_input: QueueUrl from the path of a Query request posted to the queue's
// URL; InvalidAttributeName for unknown attribute names; MissingParameter (Query) for a
// missing required member. Classic Query parameter names are the codec's (query_names.h).
void complete_input(const model::Operation& op, const http::Request& req, Doc& input);

// "http://HOST/ACCOUNT/NAME", HOST as the request named it.
std::string url_of(const OpContext& ctx, const Queue& q);
// The queue a request's QueueUrl names; throws MissingParameter, InvalidAddress or
// QueueDoesNotExist.
QueuePtr queue_for(OpContext& ctx, const Doc& in);

HandlerFn create_queue, get_queue_url, list_queues, delete_queue, get_queue_attributes, set_queue_attributes,
    purge_queue, list_dead_letter_source_queues;

HandlerFn send_message, send_message_batch;
// Answers through `done`, later on a long poll; throws before deferring for a bad request.
void receive_message(OpContext& ctx, const Doc& in, Done done);
HandlerFn delete_message, delete_message_batch, change_message_visibility, change_message_visibility_batch;

// CreateQueue's and TagQueue's tag rules (InvalidParameterValue thrown).
void check_tags(const Doc* tags);
HandlerFn tag_queue, untag_queue, list_queue_tags, add_permission, remove_permission;

HandlerFn start_message_move_task, list_message_move_tasks, cancel_message_move_task;

}  // namespace stratus::sqs
