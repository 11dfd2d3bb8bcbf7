#include "services/sqs/query_names.h"

#include "protocol/query_input_names.h"
#include "protocol/query_names.h"

namespace stratus::sqs {
namespace {

// The element names of the classic SQS Query API (2012-11-05), which Query clients parse: the
// JSON-era model names its members differently (Attributes vs flattened <Attribute>, ...).
protocol::QueryXmlNames classic_query_names() {
  protocol::QueryXmlNames n;
  n.xml_namespace = "http://queue.amazonaws.com/doc/2012-11-05/";
  n.error_detail = true;
  const std::pair<const char*, const char*> items[] = {
      {"GetQueueAttributesResult.Attributes", "Attribute"},
      {"ListQueuesResult.QueueUrls", "QueueUrl"},
      {"ListDeadLetterSourceQueuesResult.queueUrls", "QueueUrl"},
      {"ReceiveMessageResult.Messages", "Message"},
      {"Message.Attributes", "Attribute"},
      {"Message.MessageAttributes", "MessageAttribute"},
      {"MessageAttributeValue.StringListValues", "StringListValue"},
      {"MessageAttributeValue.BinaryListValues", "BinaryListValue"},
      {"SendMessageBatchResult.Successful", "SendMessageBatchResultEntry"},
      {"SendMessageBatchResult.Failed", "BatchResultErrorEntry"},
      {"DeleteMessageBatchResult.Successful", "DeleteMessageBatchResultEntry"},
      {"DeleteMessageBatchResult.Failed", "BatchResultErrorEntry"},
      {"ChangeMessageVisibilityBatchResult.Successful", "ChangeMessageVisibilityBatchResultEntry"},
      {"ChangeMessageVisibilityBatchResult.Failed", "BatchResultErrorEntry"},
      {"ListQueueTagsResult.Tags", "Tag"},
      {"ListMessageMoveTasksResult.Results", "ListMessageMoveTasksResultEntry"},
  };
  for (const auto& [member, name] : items) n.members[member] = {name, true};
  for (const char* map : {"QueueAttributeMap", "MessageSystemAttributeMap", "MessageBodyAttributeMap"})
    n.map_entries[map] = {"Name", "Value"};
  n.map_entries["TagMap"] = {"Key", "Value"};
  return n;
}

// Parameters as SQS's Query API documents them (and older SDKs send): Attribute.N.Name/Value,
// AttributeName.N, MessageAttribute.N.Name/Value.*, <Op>RequestEntry.N.*, Tag.N.Key/Value...
// read into the members the model names (Attributes, AttributeNames, MessageAttributes, ...).
protocol::QueryInputNames classic_input_names() {
  using Alias = protocol::QueryInputAlias;
  using Form = Alias::Form;
  auto alias = [](std::string member, Form form, std::string prefix) {
    Alias a;
    a.member = std::move(member);
    a.form = form;
    a.prefix = std::move(prefix);
    return a;
  };
  // Members whose parameters are named in the singular: Attributes -> Attribute.N...
  auto singular = [&](std::string_view member, Form form) {
    return alias(std::string(member), form, std::string(member.substr(0, member.size() - 1)));
  };
  // Members whose parameters have the member's own name.
  auto same = [&](const char* member, Form form) { return alias(member, form, member); };
  auto tags = [&](const char* member) {
    Alias a = alias(member, Form::pairs, "Tag");
    a.key = "Key";
    a.empty_value = true;
    return a;
  };
  Alias entries = alias("Entries", Form::entries, "{op}RequestEntry");
  for (const char* field : {"Id", "MessageBody", "MessageGroupId", "MessageDeduplicationId", "ReceiptHandle"})
    entries.fields.push_back(same(field, Form::string));
  for (const char* field : {"DelaySeconds", "VisibilityTimeout"}) entries.fields.push_back(same(field, Form::integer));
  protocol::QueryInputNames n;
  n.aliases.push_back(singular("Attributes", Form::pairs));
  for (const char* member : {"MessageAttributes", "MessageSystemAttributes"}) {
    entries.fields.push_back(singular(member, Form::attributes));
    n.aliases.push_back(singular(member, Form::attributes));
  }
  for (const char* member :
       {"AttributeNames", "MessageAttributeNames", "MessageSystemAttributeNames", "TagKeys", "AWSAccountIds"})
    n.aliases.push_back(singular(member, Form::list));
  n.aliases.push_back(alias("Actions", Form::list, "ActionName"));
  n.aliases.push_back(tags("Tags"));
  n.aliases.push_back(tags("tags"));
  n.aliases.push_back(std::move(entries));
  return n;
}

}  // namespace

void register_query_names() {
  protocol::register_query_xml_names("sqs", classic_query_names());
  protocol::register_query_input_names("sqs", classic_input_names());
}

}  // namespace stratus::sqs
