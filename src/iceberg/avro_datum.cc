#include "iceberg/avro_datum.h"

#include <fmt/format.h>

namespace thingsdb::iceberg {
namespace {

constexpr int kMaxDepth = 64;
// Values one datum may hold (an Iceberg manifest entry of a 1000-column table holds ~20K):
// bounds memory (~100 bytes per value) whatever counts hostile bytes claim.
constexpr int64_t kMaxValuesPerDatum = int64_t{1} << 18;

Status Decode(AvroDecoder& decoder, const AvroNode& node, AvroValue& out, int depth,
              int64_t& budget);

Status DecodeBlocks(AvroDecoder& decoder, const AvroNode& node, AvroValue& out, int depth,
                    int64_t& budget) {
  const bool is_map = node.type == AvroType::kMap;
  while (true) {
    ASSIGN_OR_RETURN(int64_t count, decoder.Long());
    if (count == 0) break;
    if (count < 0) {
      if (count == INT64_MIN) return decoder.Error("invalid block count");
      count = -count;
      ASSIGN_OR_RETURN(int64_t block_bytes, decoder.Long());
      if (block_bytes < 0) return decoder.Error("negative block size");
    }
    if (count > budget) {
      return decoder.Error(fmt::format("block count {} exceeds the value limit", count));
    }
    for (int64_t item_idx = 0; item_idx < count; ++item_idx) {
      if (is_map) {
        ASSIGN_OR_RETURN(std::string_view key, decoder.Bytes());
        out.keys.emplace_back(key);
      }
      AvroValue item;
      RETURN_IF_ERROR(Decode(decoder, *node.items, item, depth + 1, budget));
      out.items.push_back(std::move(item));
    }
  }
  return Status::OK();
}

Status Decode(AvroDecoder& decoder, const AvroNode& node, AvroValue& out, int depth,
              int64_t& budget) {
  if (depth > kMaxDepth) return decoder.Error("value nested too deeply");
  if (--budget < 0) return decoder.Error("value holds too many items");
  out.type = node.type;
  out.node = &node;
  switch (node.type) {
    case AvroType::kNull:
      return Status::OK();
    case AvroType::kBoolean: {
      ASSIGN_OR_RETURN(out.boolean, decoder.Boolean());
      return Status::OK();
    }
    case AvroType::kInt: {
      ASSIGN_OR_RETURN(int32_t value, decoder.Int());
      out.integer = value;
      return Status::OK();
    }
    case AvroType::kLong: {
      ASSIGN_OR_RETURN(out.integer, decoder.Long());
      return Status::OK();
    }
    case AvroType::kFloat: {
      ASSIGN_OR_RETURN(float value, decoder.Float());
      out.real = value;
      return Status::OK();
    }
    case AvroType::kDouble: {
      ASSIGN_OR_RETURN(out.real, decoder.Double());
      return Status::OK();
    }
    case AvroType::kBytes:
    case AvroType::kString: {
      ASSIGN_OR_RETURN(std::string_view value, decoder.Bytes());
      out.bytes.assign(value);
      return Status::OK();
    }
    case AvroType::kFixed: {
      ASSIGN_OR_RETURN(std::string_view value, decoder.Raw(static_cast<size_t>(node.fixed_size)));
      out.bytes.assign(value);
      return Status::OK();
    }
    case AvroType::kEnum: {
      ASSIGN_OR_RETURN(out.integer, decoder.Long());
      if (out.integer < 0 || static_cast<size_t>(out.integer) >= node.symbols.size()) {
        return decoder.Error("enum index out of range");
      }
      out.bytes = node.symbols[out.integer];
      return Status::OK();
    }
    case AvroType::kUnion: {
      ASSIGN_OR_RETURN(int64_t branch, decoder.Long());
      if (branch < 0 || static_cast<size_t>(branch) >= node.branches.size()) {
        return decoder.Error(fmt::format("union branch {} out of range", branch));
      }
      return Decode(decoder, *node.branches[branch], out, depth + 1, budget);
    }
    case AvroType::kRecord: {
      out.items.resize(node.fields.size());
      for (size_t field_idx = 0; field_idx < node.fields.size(); ++field_idx) {
        RETURN_IF_ERROR(
            Decode(decoder, *node.fields[field_idx].type, out.items[field_idx], depth + 1, budget));
      }
      return Status::OK();
    }
    case AvroType::kArray:
    case AvroType::kMap:
      return DecodeBlocks(decoder, node, out, depth, budget);
  }
  return decoder.Error("unknown schema type");
}

}  // namespace

const AvroValue* AvroValue::Field(std::string_view name) const {
  if (type != AvroType::kRecord || node == nullptr) return nullptr;
  int index = node->FieldIndex(name);
  if (index < 0 || static_cast<size_t>(index) >= items.size()) return nullptr;
  return &items[index];
}

Status DecodeAvroValue(AvroDecoder& decoder, const AvroNode& node, AvroValue& out, int depth) {
  int64_t budget = kMaxValuesPerDatum;
  return Decode(decoder, node, out, depth, budget);
}

}  // namespace thingsdb::iceberg
