// SES open and click tracking (configuration sets with an OPEN or CLICK event destination): the
// HTML parts of each delivered copy get AWS's open pixel and their http(s) links rewritten to
// tracking URLs served by Stratus, which publish the Open / Click event and redirect to the link.
//
//   std::vector<TrackedLink> links;
//   std::string raw2 = rewrite_html(raw, [&](std::string html) {
//     return add_tracking(html, "http://localhost:4566", tracking_id, true, true, links);
//   });
//
// Tracking URLs: GET /_stratus/ses/open?id=<id> (a 1x1 GIF) and /_stratus/ses/click?id=<id>&n=<k>
// (302 to the k-th link, 0-based). Links carrying `ses:no-track` are left alone; `ses:tags="a:b;c:d"`
// becomes the Click event's linkTags {"a":["b"],"c":["d"]}, as AWS does.
#pragma once

#include <functional>
#include <string>
#include <string_view>
#include <vector>

namespace stratus::ses {

struct TrackedLink {
  std::string url;
  std::vector<std::pair<std::string, std::string>> tags;
};

// Rewrites every text/html leaf (not an attachment) of a raw MIME message with `f` (the decoded
// HTML in, the new HTML out), re-encoded in the part's own Content-Transfer-Encoding (base64,
// quoted-printable, or as is). A message that does not parse, or has no HTML, comes back as is.
std::string rewrite_html(std::string_view raw, const std::function<std::string(std::string)>& f);

// The tracked HTML: with `clicks`, http(s) <a href> links become `base`/_stratus/ses/click?id=&n=
// (each original appended to `links`); with `opens`, the open pixel goes before </body> (or at the
// end).
std::string add_tracking(std::string_view html, std::string_view base, std::string_view id, bool opens, bool clicks,
                         std::vector<TrackedLink>& links);

// Quoted-printable (RFC 2045) with CRLF line ends and soft breaks within 76 characters.
std::string encode_qp(std::string_view s);

}  // namespace stratus::ses
