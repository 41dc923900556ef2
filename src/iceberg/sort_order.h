// Sort orders (spec "Sorting"): the order a writer clusters rows by; order id 0 is unsorted.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "iceberg/transforms.h"

namespace thingsdb::iceberg {

struct SortField {
  Transform transform;
  int32_t source_id = 0;
  std::string direction = "asc";           // "asc" or "desc"
  std::string null_order = "nulls-first";  // "nulls-first" or "nulls-last"
};

struct SortOrder {
  int32_t order_id = 0;
  std::vector<SortField> fields;
};

}  // namespace thingsdb::iceberg
