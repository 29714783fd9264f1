// `synclatch-server copy --from DIR --to postgresql://...`: moves a deployment's embedded store into
// PostgreSQL (store/postgres/pg_store_copy.hpp), with progress on stderr and a verification table.
#pragma once

namespace synclatch::server {

// argv[0] is "copy". Returns the process's exit code: 0 copied and verified, 1 failed (nothing copied),
// 2 a usage error.
int run_copy_command(int argc, char** argv);

}  // namespace synclatch::server
