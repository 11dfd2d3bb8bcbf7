// The short Boost.Asio / Beast names of the HTTP layer's sources (server.cc, client.cc), spelled
// once. Internal to src/http: included by .cc files only.
#pragma once

#include <boost/asio/ip/tcp.hpp>

namespace boost::beast::http {}

namespace stratus::http {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using tcp = net::ip::tcp;

}  // namespace stratus::http
