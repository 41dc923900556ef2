// A generic decoded Avro value, driven by the writer schema, and its binary decoder.
// Records keep a pointer to their schema node so fields are found by name: the schema
// (owned by the AvroReader) must outlive the values. Decoding is bounded: counts and lengths
// are checked against the bytes left, so hostile input yields Corruption, not an allocation.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"
#include "iceberg/avro_coding.h"
#include "iceberg/avro_schema.h"

namespace thingsdb::iceberg {

struct AvroValue {
  AvroType type = AvroType::kNull;  // never kUnion: a union decodes to its branch's value
  const AvroNode* node = nullptr;   // schema of this value
  bool boolean = false;
  int64_t integer = 0;            // int, long, enum index
  double real = 0;                // float, double
  std::string bytes;              // bytes, string, fixed, enum symbol
  std::vector<AvroValue> items;   // record fields (schema order), array items, map values
  std::vector<std::string> keys;  // map keys

  bool is_null() const { return type == AvroType::kNull; }
  // The record field called `name`, or nullptr when the record has no such field.
  const AvroValue* Field(std::string_view name) const;
};

// Decodes one value of schema `node`. `depth` guards recursion; one value holds at most
// 2^18 nested values (Corruption beyond).
Status DecodeAvroValue(AvroDecoder& decoder, const AvroNode& node, AvroValue& out, int depth = 0);

}  // namespace thingsdb::iceberg
