#include "parquet/file_metadata.h"

namespace thingsdb::parquet {
namespace {

using Field = ThriftField;

// ---- LogicalType -------------------------------------------------------------------

void EmptyStructField(ThriftWriter& w, int16_t id) {
  w.FieldStruct(id);
  w.EndStruct();
}

void EncodeLogicalType(const LogicalType& logical, ThriftWriter& w) {
  switch (logical.kind) {
    case LogicalKind::kString:
      EmptyStructField(w, 1);
      break;
    case LogicalKind::kDate:
      EmptyStructField(w, 6);
      break;
    case LogicalKind::kJson:
      EmptyStructField(w, 12);
      break;
    case LogicalKind::kTimestampMillis:
    case LogicalKind::kTimestampMicros:
    case LogicalKind::kTimestampNanos: {
      w.FieldStruct(8);
      w.FieldBool(1, logical.utc);
      w.FieldStruct(2);
      EmptyStructField(w, logical.kind == LogicalKind::kTimestampMillis   ? 1
                          : logical.kind == LogicalKind::kTimestampMicros ? 2
                                                                          : 3);
      w.EndStruct();
      w.EndStruct();
      break;
    }
    case LogicalKind::kInt8:
    case LogicalKind::kInt16:
    case LogicalKind::kInt32:
    case LogicalKind::kInt64:
      w.FieldStruct(10);
      w.FieldByte(1, static_cast<int8_t>(logical.bit_width));
      w.FieldBool(2, logical.is_signed);
      w.EndStruct();
      break;
    default:
      break;
  }
}

Status DecodeTimeUnit(ThriftReader& r, LogicalType* logical) {
  return r.ReadStruct([&](const Field& f) {
    if (f.id == 1) logical->kind = LogicalKind::kTimestampMillis;
    if (f.id == 2) logical->kind = LogicalKind::kTimestampMicros;
    if (f.id == 3) logical->kind = LogicalKind::kTimestampNanos;
    return r.Skip(f.type);
  });
}

Status DecodeTimestamp(ThriftReader& r, LogicalType* logical) {
  logical->kind = LogicalKind::kOther;
  return r.ReadStruct([&](const Field& f) -> Status {
    if (f.id == 1 && (f.type == CType::kTrue || f.type == CType::kFalse)) {
      ASSIGN_OR_RETURN(logical->utc, r.ReadBool(f));
      return Status::OK();
    }
    if (f.id == 2 && f.type == CType::kStruct) return DecodeTimeUnit(r, logical);
    return r.Skip(f.type);
  });
}

Status DecodeIntType(ThriftReader& r, LogicalType* logical) {
  RETURN_IF_ERROR(r.ReadStruct([&](const Field& f) -> Status {
    if (f.id == 1 && f.type == CType::kByte) {
      ASSIGN_OR_RETURN(int8_t width, r.ReadByte(f));
      logical->bit_width = width;
      return Status::OK();
    }
    if (f.id == 2 && (f.type == CType::kTrue || f.type == CType::kFalse)) {
      ASSIGN_OR_RETURN(logical->is_signed, r.ReadBool(f));
      return Status::OK();
    }
    return r.Skip(f.type);
  }));
  switch (logical->bit_width) {
    case 8:
      logical->kind = LogicalKind::kInt8;
      break;
    case 16:
      logical->kind = LogicalKind::kInt16;
      break;
    case 32:
      logical->kind = LogicalKind::kInt32;
      break;
    case 64:
      logical->kind = LogicalKind::kInt64;
      break;
    default:
      logical->kind = LogicalKind::kOther;
  }
  return Status::OK();
}

Status DecodeLogicalType(ThriftReader& r, LogicalType* logical) {
  return r.ReadStruct([&](const Field& f) -> Status {
    if (f.type != CType::kStruct) return r.Skip(f.type);
    switch (f.id) {
      case 1:
        logical->kind = LogicalKind::kString;
        break;
      case 6:
        logical->kind = LogicalKind::kDate;
        break;
      case 12:
        logical->kind = LogicalKind::kJson;
        break;
      case 8:
        return DecodeTimestamp(r, logical);
      case 10:
        return DecodeIntType(r, logical);
      default:
        logical->kind = LogicalKind::kOther;
        break;
    }
    return r.Skip(f.type);
  });
}

// ---- SchemaElement ---------------------------------------------------------------

void EncodeSchemaElement(const SchemaElement& e, ThriftWriter& w) {
  w.BeginStruct();
  if (e.type) w.FieldI32(1, static_cast<int32_t>(*e.type));
  if (e.type == Type::kFixedLenByteArray) w.FieldI32(2, e.type_length);
  if (e.repetition) w.FieldI32(3, static_cast<int32_t>(*e.repetition));
  w.FieldBinary(4, e.name);
  if (!e.type) w.FieldI32(5, e.num_children);
  if (e.converted_type != ConvertedType::kNone) {
    w.FieldI32(6, static_cast<int32_t>(e.converted_type));
  }
  if (e.field_id) w.FieldI32(9, *e.field_id);
  if (e.has_logical) {
    w.FieldStruct(10);
    EncodeLogicalType(e.logical, w);
    w.EndStruct();
  }
  w.EndStruct();
}

Status DecodeSchemaElement(ThriftReader& r, SchemaElement* e) {
  bool has_name = false;
  RETURN_IF_ERROR(r.ReadStruct([&](const Field& f) -> Status {
    switch (f.id) {
      case 1: {
        ASSIGN_OR_RETURN(int32_t v, r.ReadI32(f));
        if (v < 0 || v > 7) return r.Error("bad physical type");
        e->type = static_cast<Type>(v);
        return Status::OK();
      }
      case 2: {
        ASSIGN_OR_RETURN(e->type_length, r.ReadI32(f));
        return Status::OK();
      }
      case 3: {
        ASSIGN_OR_RETURN(int32_t v, r.ReadI32(f));
        if (v < 0 || v > 2) return r.Error("bad repetition type");
        e->repetition = static_cast<Repetition>(v);
        return Status::OK();
      }
      case 4: {
        ASSIGN_OR_RETURN(std::string_view name, r.ReadBinary(f));
        e->name = std::string(name);
        has_name = true;
        return Status::OK();
      }
      case 5: {
        ASSIGN_OR_RETURN(e->num_children, r.ReadI32(f));
        return Status::OK();
      }
      case 6: {
        ASSIGN_OR_RETURN(int32_t v, r.ReadI32(f));
        e->converted_type = static_cast<ConvertedType>(v);
        return Status::OK();
      }
      case 9: {
        ASSIGN_OR_RETURN(int32_t v, r.ReadI32(f));
        e->field_id = v;
        return Status::OK();
      }
      case 10:
        if (f.type != CType::kStruct) break;
        e->has_logical = true;
        return DecodeLogicalType(r, &e->logical);
    }
    return r.Skip(f.type);
  }));
  if (!has_name) return r.Error("schema element without a name");
  return Status::OK();
}

// ---- ColumnMetaData ---------------------------------------------------------------

void EncodeColumnMetaData(const ColumnMetaData& m, ThriftWriter& w) {
  w.FieldI32(1, static_cast<int32_t>(m.type));
  w.FieldList(2, CType::kI32, m.encodings.size());
  for (Encoding e : m.encodings) w.ElemI32(static_cast<int32_t>(e));
  w.FieldList(3, CType::kBinary, m.path_in_schema.size());
  for (const auto& p : m.path_in_schema) w.ElemBinary(p);
  w.FieldI32(4, static_cast<int32_t>(m.codec));
  w.FieldI64(5, m.num_values);
  w.FieldI64(6, m.total_uncompressed_size);
  w.FieldI64(7, m.total_compressed_size);
  w.FieldI64(9, m.data_page_offset);
  if (m.dictionary_page_offset) w.FieldI64(11, *m.dictionary_page_offset);
  if (m.statistics) {
    w.FieldStruct(12);
    EncodeStatistics(*m.statistics, w);
    w.EndStruct();
  }
  if (m.bloom_filter_offset) w.FieldI64(14, *m.bloom_filter_offset);
  if (m.bloom_filter_length) w.FieldI32(15, *m.bloom_filter_length);
}

Status DecodeEncodings(ThriftReader& r, const Field& f, std::vector<Encoding>* out) {
  ASSIGN_OR_RETURN(ThriftList list, r.ReadListHeader(f));
  for (uint32_t i = 0; i < list.size; ++i) {
    if (list.element != CType::kI32) {
      RETURN_IF_ERROR(r.Skip(list.element));
      continue;
    }
    ASSIGN_OR_RETURN(int64_t v, r.ReadElemInt());
    out->push_back(static_cast<Encoding>(v));
  }
  return Status::OK();
}

Status DecodeStringList(ThriftReader& r, const Field& f, std::vector<std::string>* out) {
  ASSIGN_OR_RETURN(ThriftList list, r.ReadListHeader(f));
  if (list.element != CType::kBinary) return r.Error("expected a list of strings");
  for (uint32_t i = 0; i < list.size; ++i) {
    ASSIGN_OR_RETURN(std::string_view s, r.ReadElemBinary());
    out->emplace_back(s);
  }
  return Status::OK();
}

Status DecodeColumnMetaData(ThriftReader& r, ColumnMetaData* m) {
  return r.ReadStruct([&](const Field& f) -> Status {
    switch (f.id) {
      case 1: {
        ASSIGN_OR_RETURN(int32_t v, r.ReadI32(f));
        if (v < 0 || v > 7) return r.Error("bad physical type");
        m->type = static_cast<Type>(v);
        return Status::OK();
      }
      case 2:
        return DecodeEncodings(r, f, &m->encodings);
      case 3:
        return DecodeStringList(r, f, &m->path_in_schema);
      case 4: {
        ASSIGN_OR_RETURN(int32_t v, r.ReadI32(f));
        m->codec = static_cast<Codec>(v);
        return Status::OK();
      }
      case 5: {
        ASSIGN_OR_RETURN(m->num_values, r.ReadI64(f));
        return Status::OK();
      }
      case 6: {
        ASSIGN_OR_RETURN(m->total_uncompressed_size, r.ReadI64(f));
        return Status::OK();
      }
      case 7: {
        ASSIGN_OR_RETURN(m->total_compressed_size, r.ReadI64(f));
        return Status::OK();
      }
      case 9: {
        ASSIGN_OR_RETURN(m->data_page_offset, r.ReadI64(f));
        return Status::OK();
      }
      case 11: {
        ASSIGN_OR_RETURN(int64_t v, r.ReadI64(f));
        m->dictionary_page_offset = v;
        return Status::OK();
      }
      case 12:
        if (f.type != CType::kStruct) break;
        m->statistics.emplace();
        return DecodeStatistics(r, &*m->statistics);
      case 14: {
        ASSIGN_OR_RETURN(int64_t v, r.ReadI64(f));
        m->bloom_filter_offset = v;
        return Status::OK();
      }
      case 15: {
        ASSIGN_OR_RETURN(int32_t v, r.ReadI32(f));
        m->bloom_filter_length = v;
        return Status::OK();
      }
    }
    return r.Skip(f.type);
  });
}

// ---- ColumnChunk / RowGroup ------------------------------------------------------

void EncodeColumnChunk(const ColumnChunk& c, ThriftWriter& w) {
  w.BeginStruct();
  w.FieldI64(2, c.file_offset);
  w.FieldStruct(3);
  EncodeColumnMetaData(c.meta_data, w);
  w.EndStruct();
  if (c.offset_index_offset) w.FieldI64(4, *c.offset_index_offset);
  if (c.offset_index_length) w.FieldI32(5, *c.offset_index_length);
  if (c.column_index_offset) w.FieldI64(6, *c.column_index_offset);
  if (c.column_index_length) w.FieldI32(7, *c.column_index_length);
  w.EndStruct();
}

Status DecodeColumnChunk(ThriftReader& r, ColumnChunk* c) {
  bool has_meta = false;
  RETURN_IF_ERROR(r.ReadStruct([&](const Field& f) -> Status {
    switch (f.id) {
      case 1:
        return r.Error("column chunks in other files are not supported");
      case 2: {
        ASSIGN_OR_RETURN(c->file_offset, r.ReadI64(f));
        return Status::OK();
      }
      case 3:
        if (f.type != CType::kStruct) break;
        has_meta = true;
        return DecodeColumnMetaData(r, &c->meta_data);
      case 4: {
        ASSIGN_OR_RETURN(int64_t v, r.ReadI64(f));
        c->offset_index_offset = v;
        return Status::OK();
      }
      case 5: {
        ASSIGN_OR_RETURN(int32_t v, r.ReadI32(f));
        c->offset_index_length = v;
        return Status::OK();
      }
      case 6: {
        ASSIGN_OR_RETURN(int64_t v, r.ReadI64(f));
        c->column_index_offset = v;
        return Status::OK();
      }
      case 7: {
        ASSIGN_OR_RETURN(int32_t v, r.ReadI32(f));
        c->column_index_length = v;
        return Status::OK();
      }
    }
    return r.Skip(f.type);
  }));
  if (!has_meta) return r.Error("column chunk without metadata (encrypted?)");
  return Status::OK();
}

void EncodeRowGroup(const RowGroup& g, ThriftWriter& w) {
  w.BeginStruct();
  w.FieldList(1, CType::kStruct, g.columns.size());
  for (const auto& c : g.columns) EncodeColumnChunk(c, w);
  w.FieldI64(2, g.total_byte_size);
  w.FieldI64(3, g.num_rows);
  if (g.file_offset) w.FieldI64(5, *g.file_offset);
  if (g.total_compressed_size) w.FieldI64(6, *g.total_compressed_size);
  if (g.ordinal) w.FieldI32(7, *g.ordinal);
  w.EndStruct();
}

Status DecodeRowGroup(ThriftReader& r, RowGroup* g) {
  return r.ReadStruct([&](const Field& f) -> Status {
    switch (f.id) {
      case 1: {
        ASSIGN_OR_RETURN(ThriftList list, r.ReadListHeader(f));
        if (list.element != CType::kStruct) return r.Error("expected a list of column chunks");
        g->columns.resize(list.size);
        for (auto& c : g->columns) RETURN_IF_ERROR(DecodeColumnChunk(r, &c));
        return Status::OK();
      }
      case 2: {
        ASSIGN_OR_RETURN(g->total_byte_size, r.ReadI64(f));
        return Status::OK();
      }
      case 3: {
        ASSIGN_OR_RETURN(g->num_rows, r.ReadI64(f));
        return Status::OK();
      }
      case 5: {
        ASSIGN_OR_RETURN(int64_t v, r.ReadI64(f));
        g->file_offset = v;
        return Status::OK();
      }
      case 6: {
        ASSIGN_OR_RETURN(int64_t v, r.ReadI64(f));
        g->total_compressed_size = v;
        return Status::OK();
      }
      case 7: {
        ASSIGN_OR_RETURN(int32_t v, r.ReadI32(f));
        g->ordinal = static_cast<int16_t>(v);
        return Status::OK();
      }
    }
    return r.Skip(f.type);
  });
}

Status DecodeKeyValue(ThriftReader& r, KeyValue* kv) {
  return r.ReadStruct([&](const Field& f) -> Status {
    if (f.id == 1 || f.id == 2) {
      ASSIGN_OR_RETURN(std::string_view s, r.ReadBinary(f));
      if (f.id == 1)
        kv->key = std::string(s);
      else
        kv->value = std::string(s);
      return Status::OK();
    }
    return r.Skip(f.type);
  });
}

template <typename T, typename Fn>
Status DecodeStructList(ThriftReader& r, const Field& f, std::vector<T>* out, Fn decode) {
  ASSIGN_OR_RETURN(ThriftList list, r.ReadListHeader(f));
  if (list.element != CType::kStruct) return r.Error("expected a list of structs");
  out->resize(list.size);
  for (auto& item : *out) RETURN_IF_ERROR(decode(r, &item));
  return Status::OK();
}

Status DecodeColumnOrders(ThriftReader& r, const Field& f, FileMetaData* m) {
  ASSIGN_OR_RETURN(ThriftList list, r.ReadListHeader(f));
  for (uint32_t i = 0; i < list.size; ++i) {
    if (list.element != CType::kStruct) {
      RETURN_IF_ERROR(r.Skip(list.element));
      continue;
    }
    RETURN_IF_ERROR(r.ReadStruct([&](const Field& order) {
      if (order.id == 1) m->type_defined_column_orders = true;
      return r.Skip(order.type);
    }));
  }
  return Status::OK();
}

}  // namespace

void EncodeStatistics(const Statistics& s, ThriftWriter& w) {
  if (s.null_count) w.FieldI64(3, *s.null_count);
  if (s.distinct_count) w.FieldI64(4, *s.distinct_count);
  if (s.max_value) w.FieldBinary(5, *s.max_value);
  if (s.min_value) w.FieldBinary(6, *s.min_value);
  if (s.max_value) w.FieldBool(7, s.is_max_exact);
  if (s.min_value) w.FieldBool(8, s.is_min_exact);
}

Status DecodeStatistics(ThriftReader& r, Statistics* s) {
  std::optional<std::string> legacy_min, legacy_max;
  RETURN_IF_ERROR(r.ReadStruct([&](const Field& f) -> Status {
    switch (f.id) {
      case 1:
      case 2:
      case 5:
      case 6: {
        ASSIGN_OR_RETURN(std::string_view v, r.ReadBinary(f));
        std::optional<std::string>* slot = f.id == 1   ? &legacy_max
                                           : f.id == 2 ? &legacy_min
                                           : f.id == 5 ? &s->max_value
                                                       : &s->min_value;
        *slot = std::string(v);
        return Status::OK();
      }
      case 3: {
        ASSIGN_OR_RETURN(int64_t v, r.ReadI64(f));
        s->null_count = v;
        return Status::OK();
      }
      case 4: {
        ASSIGN_OR_RETURN(int64_t v, r.ReadI64(f));
        s->distinct_count = v;
        return Status::OK();
      }
      case 7: {
        ASSIGN_OR_RETURN(s->is_max_exact, r.ReadBool(f));
        return Status::OK();
      }
      case 8: {
        ASSIGN_OR_RETURN(s->is_min_exact, r.ReadBool(f));
        return Status::OK();
      }
    }
    return r.Skip(f.type);
  }));
  if (!s->min_value && !s->max_value && (legacy_min || legacy_max)) {
    s->min_value = legacy_min;
    s->max_value = legacy_max;
    s->legacy = true;
  }
  return Status::OK();
}

std::string EncodeFileMetaData(const FileMetaData& m) {
  std::string out;
  ThriftWriter w(&out);
  w.BeginStruct();
  w.FieldI32(1, m.version);
  w.FieldList(2, CType::kStruct, m.schema.size());
  for (const auto& e : m.schema) EncodeSchemaElement(e, w);
  w.FieldI64(3, m.num_rows);
  w.FieldList(4, CType::kStruct, m.row_groups.size());
  for (const auto& g : m.row_groups) EncodeRowGroup(g, w);
  if (!m.key_value_metadata.empty()) {
    w.FieldList(5, CType::kStruct, m.key_value_metadata.size());
    for (const auto& kv : m.key_value_metadata) {
      w.BeginStruct();
      w.FieldBinary(1, kv.key);
      if (kv.value) w.FieldBinary(2, *kv.value);
      w.EndStruct();
    }
  }
  if (m.created_by) w.FieldBinary(6, *m.created_by);
  if (m.type_defined_column_orders) {
    size_t leaves = 0;
    for (const auto& e : m.schema) leaves += e.type.has_value();
    w.FieldList(7, CType::kStruct, leaves);
    for (size_t i = 0; i < leaves; ++i) {
      w.BeginStruct();
      EmptyStructField(w, 1);
      w.EndStruct();
    }
  }
  w.EndStruct();
  return out;
}

Result<FileMetaData> DecodeFileMetaData(std::string_view bytes, std::string_view source,
                                        uint64_t base_offset) {
  ThriftReader r(bytes, source, base_offset);
  FileMetaData m;
  RETURN_IF_ERROR(r.ReadStruct([&](const Field& f) -> Status {
    switch (f.id) {
      case 1: {
        ASSIGN_OR_RETURN(m.version, r.ReadI32(f));
        return Status::OK();
      }
      case 2:
        return DecodeStructList(r, f, &m.schema, DecodeSchemaElement);
      case 3: {
        ASSIGN_OR_RETURN(m.num_rows, r.ReadI64(f));
        return Status::OK();
      }
      case 4:
        return DecodeStructList(r, f, &m.row_groups, DecodeRowGroup);
      case 5:
        return DecodeStructList(r, f, &m.key_value_metadata, DecodeKeyValue);
      case 6: {
        ASSIGN_OR_RETURN(std::string_view s, r.ReadBinary(f));
        m.created_by = std::string(s);
        return Status::OK();
      }
      case 7:
        return DecodeColumnOrders(r, f, &m);
      case 8:
        return r.Error("encrypted files are not supported");
    }
    return r.Skip(f.type);
  }));
  if (m.schema.empty()) return r.Error("footer has no schema");
  return m;
}

}  // namespace thingsdb::parquet
