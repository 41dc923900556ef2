// libFuzzer target: Avro container bytes → AvroReader and ReadManifest / ReadManifestList must
// return a Status, never crash or allocate without bound. Built with -DTHINGSDB_FUZZ=ON (clang).
#include <cstddef>
#include <cstdint>
#include <string>

#include "iceberg/avro_reader.h"
#include "iceberg/manifest.h"
#include "iceberg/manifest_list.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace thingsdb::iceberg;
  std::string bytes(reinterpret_cast<const char*>(data), size);
  if (auto reader = AvroReader::Open(bytes, "fuzz.avro"); reader.ok()) {
    AvroValue value;
    for (int count = 0; count < 100000; ++count) {
      auto more = (*reader)->Next(value);
      if (!more.ok() || !*more) break;
    }
  }
  (void)ReadManifestList(bytes, "fuzz.avro");
  Schema schema;
  schema.fields = {NestedField{1, "id", true, Type::Primitive(TypeId::kLong), ""}};
  PartitionSpec spec;
  spec.fields = {PartitionField{1, 1000, "id", *Transform::Parse("identity")}};
  (void)ReadManifest(bytes, "fuzz.avro", schema, spec);
  return 0;
}
