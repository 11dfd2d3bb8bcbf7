// The models/ files, embedded at build time (see cmake/embed_models.cmake).
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace stratus::model {
std::optional<std::string_view> embedded_model(std::string_view id);
// The model's text up to its "operations" (metadata with the operation names), stored apart so
// that reading every summary at start-up touches one small area.
std::optional<std::string_view> embedded_model_head(std::string_view id);
std::vector<std::string> embedded_model_ids();
}  // namespace stratus::model
