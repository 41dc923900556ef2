#include "parquet/page_header.h"

namespace thingsdb::parquet {
namespace {

using Field = ThriftField;

void EncodeStatsField(const std::optional<Statistics>& stats, int16_t id, ThriftWriter& w) {
  if (!stats) return;
  w.FieldStruct(id);
  EncodeStatistics(*stats, w);
  w.EndStruct();
}

Status DecodeEncoding(ThriftReader& r, const Field& f, Encoding* out) {
  ASSIGN_OR_RETURN(int32_t v, r.ReadI32(f));
  *out = static_cast<Encoding>(v);
  return Status::OK();
}

Status DecodeDataPage(ThriftReader& r, DataPageHeader* h) {
  return r.ReadStruct([&](const Field& f) -> Status {
    switch (f.id) {
      case 1: {
        ASSIGN_OR_RETURN(h->num_values, r.ReadI32(f));
        return Status::OK();
      }
      case 2:
        return DecodeEncoding(r, f, &h->encoding);
      case 3:
        return DecodeEncoding(r, f, &h->definition_level_encoding);
      case 4:
        return DecodeEncoding(r, f, &h->repetition_level_encoding);
      case 5:
        if (f.type != CType::kStruct) break;
        h->statistics.emplace();
        return DecodeStatistics(r, &*h->statistics);
    }
    return r.Skip(f.type);
  });
}

Status DecodeDataPageV2(ThriftReader& r, DataPageHeaderV2* h) {
  return r.ReadStruct([&](const Field& f) -> Status {
    switch (f.id) {
      case 1: {
        ASSIGN_OR_RETURN(h->num_values, r.ReadI32(f));
        return Status::OK();
      }
      case 2: {
        ASSIGN_OR_RETURN(h->num_nulls, r.ReadI32(f));
        return Status::OK();
      }
      case 3: {
        ASSIGN_OR_RETURN(h->num_rows, r.ReadI32(f));
        return Status::OK();
      }
      case 4:
        return DecodeEncoding(r, f, &h->encoding);
      case 5: {
        ASSIGN_OR_RETURN(h->definition_levels_byte_length, r.ReadI32(f));
        return Status::OK();
      }
      case 6: {
        ASSIGN_OR_RETURN(h->repetition_levels_byte_length, r.ReadI32(f));
        return Status::OK();
      }
      case 7: {
        ASSIGN_OR_RETURN(h->is_compressed, r.ReadBool(f));
        return Status::OK();
      }
      case 8:
        if (f.type != CType::kStruct) break;
        h->statistics.emplace();
        return DecodeStatistics(r, &*h->statistics);
    }
    return r.Skip(f.type);
  });
}

Status DecodeDictionaryPage(ThriftReader& r, DictionaryPageHeader* h) {
  return r.ReadStruct([&](const Field& f) -> Status {
    switch (f.id) {
      case 1: {
        ASSIGN_OR_RETURN(h->num_values, r.ReadI32(f));
        return Status::OK();
      }
      case 2:
        return DecodeEncoding(r, f, &h->encoding);
    }
    return r.Skip(f.type);
  });
}

}  // namespace

std::string EncodePageHeader(const PageHeader& h) {
  std::string out;
  ThriftWriter w(&out);
  w.BeginStruct();
  w.FieldI32(1, static_cast<int32_t>(h.type));
  w.FieldI32(2, h.uncompressed_page_size);
  w.FieldI32(3, h.compressed_page_size);
  if (h.crc) w.FieldI32(4, *h.crc);
  if (h.data_page) {
    const auto& d = *h.data_page;
    w.FieldStruct(5);
    w.FieldI32(1, d.num_values);
    w.FieldI32(2, static_cast<int32_t>(d.encoding));
    w.FieldI32(3, static_cast<int32_t>(d.definition_level_encoding));
    w.FieldI32(4, static_cast<int32_t>(d.repetition_level_encoding));
    EncodeStatsField(d.statistics, 5, w);
    w.EndStruct();
  }
  if (h.dictionary_page) {
    w.FieldStruct(7);
    w.FieldI32(1, h.dictionary_page->num_values);
    w.FieldI32(2, static_cast<int32_t>(h.dictionary_page->encoding));
    w.EndStruct();
  }
  if (h.data_page_v2) {
    const auto& d = *h.data_page_v2;
    w.FieldStruct(8);
    w.FieldI32(1, d.num_values);
    w.FieldI32(2, d.num_nulls);
    w.FieldI32(3, d.num_rows);
    w.FieldI32(4, static_cast<int32_t>(d.encoding));
    w.FieldI32(5, d.definition_levels_byte_length);
    w.FieldI32(6, d.repetition_levels_byte_length);
    w.FieldBool(7, d.is_compressed);
    EncodeStatsField(d.statistics, 8, w);
    w.EndStruct();
  }
  w.EndStruct();
  return out;
}

Status DecodePageHeader(std::string_view bytes, std::string_view source, uint64_t base_offset,
                        PageHeader* h, size_t* header_size) {
  ThriftReader r(bytes, source, base_offset);
  bool has_type = false;
  RETURN_IF_ERROR(r.ReadStruct([&](const Field& f) -> Status {
    switch (f.id) {
      case 1: {
        ASSIGN_OR_RETURN(int32_t v, r.ReadI32(f));
        h->type = static_cast<PageType>(v);
        has_type = true;
        return Status::OK();
      }
      case 2: {
        ASSIGN_OR_RETURN(h->uncompressed_page_size, r.ReadI32(f));
        return Status::OK();
      }
      case 3: {
        ASSIGN_OR_RETURN(h->compressed_page_size, r.ReadI32(f));
        return Status::OK();
      }
      case 4: {
        ASSIGN_OR_RETURN(int32_t v, r.ReadI32(f));
        h->crc = v;
        return Status::OK();
      }
      case 5:
        if (f.type != CType::kStruct) break;
        h->data_page.emplace();
        return DecodeDataPage(r, &*h->data_page);
      case 7:
        if (f.type != CType::kStruct) break;
        h->dictionary_page.emplace();
        return DecodeDictionaryPage(r, &*h->dictionary_page);
      case 8:
        if (f.type != CType::kStruct) break;
        h->data_page_v2.emplace();
        return DecodeDataPageV2(r, &*h->data_page_v2);
    }
    return r.Skip(f.type);
  }));
  if (!has_type) return r.Error("page header without a type");
  if (h->compressed_page_size < 0 || h->uncompressed_page_size < 0) {
    return r.Error("negative page size");
  }
  *header_size = r.position();
  return Status::OK();
}

std::string EncodeBloomFilterHeader(const BloomFilterHeader& h) {
  std::string out;
  ThriftWriter w(&out);
  w.BeginStruct();
  w.FieldI32(1, h.num_bytes);
  for (int16_t id = 2; id <= 4; ++id) {  // algorithm, hash, compression: member 1 of each
    w.FieldStruct(id);
    w.FieldStruct(1);
    w.EndStruct();
    w.EndStruct();
  }
  w.EndStruct();
  return out;
}

Status DecodeBloomFilterHeader(std::string_view bytes, std::string_view source,
                               uint64_t base_offset, BloomFilterHeader* h, size_t* header_size) {
  ThriftReader r(bytes, source, base_offset);
  bool supported = true;
  RETURN_IF_ERROR(r.ReadStruct([&](const Field& f) -> Status {
    if (f.id == 1) {
      ASSIGN_OR_RETURN(h->num_bytes, r.ReadI32(f));
      return Status::OK();
    }
    if (f.id >= 2 && f.id <= 4 && f.type == CType::kStruct) {
      return r.ReadStruct([&](const Field& member) {
        if (member.id != 1) supported = false;
        return r.Skip(member.type);
      });
    }
    return r.Skip(f.type);
  }));
  if (!supported) return Status::NotSupported("bloom filter with an unknown algorithm");
  *header_size = r.position();
  return Status::OK();
}

}  // namespace thingsdb::parquet
