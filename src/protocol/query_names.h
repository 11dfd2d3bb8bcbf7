// Per-service element names for awsQuery XML responses that differ from the service model.
// awsQueryCompatible services (SQS) are modelled for JSON now, but their Query clients parse
// the XML of the classic Query API: <OpResult> wrappers, flattened items named <Attribute>,
// <Message>, <QueueUrl>..., map entries as <Name>/<Value>. A service registers one table at
// start; the Query codec consults it when writing that service's responses. Input decoding is
// unaffected.
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <utility>

namespace stratus::protocol {

struct QueryXmlNames {
  struct Element {
    std::string name;      // element name; for a flattened list or map, each item's name
    bool flatten = false;  // write this list/map flattened even if the model doesn't say so
  };
  std::string xml_namespace;                     // xmlns of the response root ("" = the model's)
  bool result_wrapper = true;                    // <OpResult> around output when the model has none
  bool error_detail = false;                     // an empty <Detail/> in <Error>, as classic SQS
  std::map<std::string, Element, std::less<>> members;  // "Shape.member" -> element
  // Map shape -> names of its entries' key and value elements.
  std::map<std::string, std::pair<std::string, std::string>, std::less<>> map_entries;

  const Element* member(std::string_view shape, std::string_view member) const;
};

// Registers the table for the service with this model id (the first registration stays: tables
// are constant and the codec reads them without locks held). Call before serving.
void register_query_xml_names(std::string service_id, QueryXmlNames names);
// The table for a service, or nullptr.
const QueryXmlNames* query_xml_names(std::string_view service_id);

}  // namespace stratus::protocol
