#include "parquet/page_index.h"

#include <algorithm>

#include "parquet/thrift_compact.h"

namespace thingsdb::parquet {

using Field = ThriftField;

std::string EncodeOffsetIndex(const OffsetIndex& index) {
  std::string out;
  ThriftWriter w(&out);
  w.BeginStruct();
  w.FieldList(1, CType::kStruct, index.page_locations.size());
  for (const auto& loc : index.page_locations) {
    w.BeginStruct();
    w.FieldI64(1, loc.offset);
    w.FieldI32(2, loc.compressed_page_size);
    w.FieldI64(3, loc.first_row_index);
    w.EndStruct();
  }
  w.EndStruct();
  return out;
}

Result<OffsetIndex> DecodeOffsetIndex(std::string_view bytes, std::string_view source,
                                      uint64_t base_offset) {
  ThriftReader r(bytes, source, base_offset);
  OffsetIndex index;
  RETURN_IF_ERROR(r.ReadStruct([&](const Field& f) -> Status {
    if (f.id != 1) return r.Skip(f.type);
    ASSIGN_OR_RETURN(ThriftList list, r.ReadListHeader(f));
    if (list.element != CType::kStruct) return r.Error("expected page locations");
    index.page_locations.resize(list.size);
    for (auto& loc : index.page_locations) {
      RETURN_IF_ERROR(r.ReadStruct([&](const Field& g) -> Status {
        switch (g.id) {
          case 1: {
            ASSIGN_OR_RETURN(loc.offset, r.ReadI64(g));
            return Status::OK();
          }
          case 2: {
            ASSIGN_OR_RETURN(loc.compressed_page_size, r.ReadI32(g));
            return Status::OK();
          }
          case 3: {
            ASSIGN_OR_RETURN(loc.first_row_index, r.ReadI64(g));
            return Status::OK();
          }
        }
        return r.Skip(g.type);
      }));
    }
    return Status::OK();
  }));
  return index;
}

std::string EncodeColumnIndex(const ColumnIndex& index) {
  std::string out;
  ThriftWriter w(&out);
  w.BeginStruct();
  w.FieldList(1, CType::kTrue, index.null_pages.size());
  for (bool b : index.null_pages) w.ElemBool(b);
  w.FieldList(2, CType::kBinary, index.min_values.size());
  for (const auto& v : index.min_values) w.ElemBinary(v);
  w.FieldList(3, CType::kBinary, index.max_values.size());
  for (const auto& v : index.max_values) w.ElemBinary(v);
  w.FieldI32(4, static_cast<int32_t>(index.boundary_order));
  if (!index.null_counts.empty()) {
    w.FieldList(5, CType::kI64, index.null_counts.size());
    for (int64_t n : index.null_counts) w.ElemI64(n);
  }
  w.EndStruct();
  return out;
}

namespace {

Status DecodeBinaryList(ThriftReader& r, const Field& f, std::vector<std::string>* out) {
  ASSIGN_OR_RETURN(ThriftList list, r.ReadListHeader(f));
  if (list.element != CType::kBinary) return r.Error("expected a list of binary");
  out->reserve(list.size);
  for (uint32_t i = 0; i < list.size; ++i) {
    ASSIGN_OR_RETURN(std::string_view v, r.ReadElemBinary());
    out->emplace_back(v);
  }
  return Status::OK();
}

}  // namespace

Result<ColumnIndex> DecodeColumnIndex(std::string_view bytes, std::string_view source,
                                      uint64_t base_offset) {
  ThriftReader r(bytes, source, base_offset);
  ColumnIndex index;
  RETURN_IF_ERROR(r.ReadStruct([&](const Field& f) -> Status {
    switch (f.id) {
      case 1: {
        ASSIGN_OR_RETURN(ThriftList list, r.ReadListHeader(f));
        for (uint32_t i = 0; i < list.size; ++i) {
          ASSIGN_OR_RETURN(bool b, r.ReadElemBool());
          index.null_pages.push_back(b);
        }
        return Status::OK();
      }
      case 2:
        return DecodeBinaryList(r, f, &index.min_values);
      case 3:
        return DecodeBinaryList(r, f, &index.max_values);
      case 4: {
        ASSIGN_OR_RETURN(int32_t v, r.ReadI32(f));
        index.boundary_order = static_cast<BoundaryOrder>(v);
        return Status::OK();
      }
      case 5: {
        ASSIGN_OR_RETURN(ThriftList list, r.ReadListHeader(f));
        for (uint32_t i = 0; i < list.size; ++i) {
          ASSIGN_OR_RETURN(int64_t n, r.ReadElemInt());
          index.null_counts.push_back(n);
        }
        return Status::OK();
      }
    }
    return r.Skip(f.type);
  }));
  size_t pages = index.null_pages.size();
  if (index.min_values.size() != pages || index.max_values.size() != pages ||
      (!index.null_counts.empty() && index.null_counts.size() != pages)) {
    return r.Error("column index lists differ in length");
  }
  return index;
}

RowRanges IntersectRanges(const RowRanges& a, const RowRanges& b) {
  RowRanges out;
  size_t i = 0, j = 0;
  while (i < a.size() && j < b.size()) {
    int64_t begin = std::max(a[i].begin, b[j].begin);
    int64_t end = std::min(a[i].end, b[j].end);
    if (begin < end) out.push_back({begin, end});
    if (a[i].end < b[j].end)
      ++i;
    else
      ++j;
  }
  return out;
}

int64_t CountRows(const RowRanges& ranges) {
  int64_t n = 0;
  for (const auto& r : ranges) n += r.end - r.begin;
  return n;
}

}  // namespace thingsdb::parquet
