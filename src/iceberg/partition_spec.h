// Partition specs (spec "Partitioning"): fields with a source column, a transform, a field
// id (1000+) and a name. Partition values of one file are a tuple in spec order, null allowed.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/status.h"
#include "iceberg/schema.h"
#include "iceberg/single_value.h"
#include "iceberg/transforms.h"

namespace thingsdb::iceberg {

struct PartitionField {
  int32_t source_id = 0;
  int32_t field_id = 0;
  std::string name;
  Transform transform;
};

using PartitionValues = std::vector<std::optional<Literal>>;

struct PartitionSpec {
  int32_t spec_id = 0;
  std::vector<PartitionField> fields;

  bool unpartitioned() const { return fields.empty(); }
  // The partition tuple's struct type for `schema` (field ids and result types).
  Result<TypePtr> PartitionType(const Schema& schema) const;
  // The highest partition field id (999 when unpartitioned), for last-partition-id.
  int32_t HighestFieldId() const;
};

}  // namespace thingsdb::iceberg
