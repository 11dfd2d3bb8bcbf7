// Per-service parameter names for awsQuery requests that differ from the service model: the
// input-side twin of query_names.h. awsQueryCompatible services (SQS) are modelled for JSON
// now, so the Query codec reads a request by the model's member names (Attributes.entry.1.key,
// ...); their older SDKs and the Query API's documentation send the classic names instead:
// Attribute.N.Name/Value, AttributeName.N, MessageAttribute.N.Value.StringValue,
// SendMessageBatchRequestEntry.N.Id, Tag.N.Key... A service registers one table at start; the
// Query codec applies it after decoding, to members the request did not carry under the model's
// names, so the service's handlers get an ordinary document either way.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace stratus::protocol {

// How one member is read from classic parameters. N counts from 1 and ends at the first gap.
struct QueryInputAlias {
  enum class Form {
    string,      // Prefix                                       -> the string
    integer,     // Prefix                                       -> the integer (left out unless whole)
    list,        // Prefix.N                                     -> list of strings
    pairs,       // Prefix.N.<key>, Prefix.N.<value>             -> map of strings
    attributes,  // Prefix.N.Name, Prefix.N.Value.DataType/StringValue/BinaryValue (base64)
                 //                                              -> map of message attribute values
    entries,     // Prefix.N.<field>...                          -> list of structures of `fields`
  };
  std::string member;  // the model member it fills
  Form form = Form::string;
  std::string prefix;  // parameter name or prefix; "{op}" stands for the operation's name
  // pairs: the names of an entry's key and value parameters, and whether an entry without a
  // value counts as "" (else it is left out).
  std::string key = "Name", value = "Value";
  bool empty_value = false;
  // entries: each entry's members (prefixes relative to "Prefix.N."); the first one must be
  // present, and the list ends at the first entry without it.
  std::vector<QueryInputAlias> fields;
};

// A service's table. Top-level aliases fill a member only when the operation's input has it,
// the request did not carry it under its model name, and the classic form is not empty.
struct QueryInputNames {
  std::vector<QueryInputAlias> aliases;
};

// Registers the table for the service with this model id (the first registration stays: tables
// are constant and the codec reads them without locks held). Call before serving.
void register_query_input_names(std::string service_id, QueryInputNames names);
// The table for a service, or nullptr.
const QueryInputNames* query_input_names(std::string_view service_id);

}  // namespace stratus::protocol
