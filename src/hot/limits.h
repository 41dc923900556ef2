// Limits of a Cloudflare Durable Object's SQLite, enforced by default and configurable.
// Exceeding one is a LimitExceeded error before anything is written.
#pragma once

#include <cstdint>

namespace thingsdb::hot {

struct HotLimits {
  int64_t max_row_bytes = 2 * 1024 * 1024;      // one thing or relationship, all columns
  int max_bound_params = 100;                   // per SQL statement
  int max_sql_bytes = 100 * 1024;               // SQL text of one statement
  int64_t max_namespace_bytes = 10LL * 1000 * 1000 * 1000;  // the database file
  int max_id_bytes = 256;
  int max_type_bytes = 128;
  int64_t query_time_budget_ms = 30000;         // a read-only query is interrupted after this
};

}  // namespace thingsdb::hot
