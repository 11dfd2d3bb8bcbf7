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
  auto alias = [](const char* member, Form form, const char* prefix) {
    Alias a;
    a.member = member;
    a.form = form;
    a.prefix = prefix;
    return a;
  };
  auto tags = [&](const char* member) {
    Alias a = alias(member, Form::pairs, "Tag");
    a.key = "Key";
    a.empty_value = true;
    return a;
  };
  Alias entries = alias("Entries", Form::entries, "{op}RequestEntry");
  entries.fields = {
      alias("Id", Form::string, "Id"),
      alias("MessageBody", Form::string, "MessageBody"),
      alias("MessageGroupId", Form::string, "MessageGroupId"),
      alias("MessageDeduplicationId", Form::string, "MessageDeduplicationId"),
      alias("ReceiptHandle", Form::string, "ReceiptHandle"),
      alias("DelaySeconds", Form::integer, "DelaySeconds"),
      alias("VisibilityTimeout", Form::integer, "VisibilityTimeout"),
      alias("MessageAttributes", Form::attributes, "MessageAttribute"),
      alias("MessageSystemAttributes", Form::attributes, "MessageSystemAttribute"),
  };
  protocol::QueryInputNames n;
  n.aliases = {
      alias("Attributes", Form::pairs, "Attribute"),
      alias("MessageAttributes", Form::attributes, "MessageAttribute"),
      alias("MessageSystemAttributes", Form::attributes, "MessageSystemAttribute"),
      alias("AttributeNames", Form::list, "AttributeName"),
      alias("MessageAttributeNames", Form::list, "MessageAttributeName"),
      alias("MessageSystemAttributeNames", Form::list, "MessageSystemAttributeName"),
      alias("TagKeys", Form::list, "TagKey"),
      alias("AWSAccountIds", Form::list, "AWSAccountId"),
      alias("Actions", Form::list, "ActionName"),
      tags("Tags"),
      tags("tags"),
      std::move(entries),
  };
  return n;
}

}  // namespace

void register_query_names() {
  protocol::register_query_xml_names("sqs", classic_query_names());
  protocol::register_query_input_names("sqs", classic_input_names());
}

}  // namespace stratus::sqs
