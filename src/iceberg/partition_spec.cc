#include "iceberg/partition_spec.h"

#include <fmt/format.h>

namespace thingsdb::iceberg {

Result<TypePtr> PartitionSpec::PartitionType(const Schema& schema) const {
  auto out = std::make_shared<Type>();
  out->id = TypeId::kStruct;
  for (const auto& field : fields) {
    const NestedField* source = schema.FindField(field.source_id);
    if (source == nullptr) {
      return Status::InvalidArgument(fmt::format(
          "partition field '{}' refers to missing source column {}", field.name, field.source_id));
    }
    NestedField result;
    result.id = field.field_id;
    result.name = field.name;
    result.required = false;
    ASSIGN_OR_RETURN(result.type, field.transform.ResultType(source->type));
    out->fields.push_back(std::move(result));
  }
  return TypePtr(out);
}

int32_t PartitionSpec::HighestFieldId() const {
  int32_t max_id = 999;
  for (const auto& field : fields) max_id = std::max(max_id, field.field_id);
  return max_id;
}

}  // namespace thingsdb::iceberg
