// `synclatch-server import-cognito --pool ID --data DIR | --store URL`: copies a Cognito Sync identity pool
// from AWS (or any Cognito Sync endpoint) into a synclatch store over the public APIs
// (import/cognito_import.hpp), with progress on stderr, then verifies the copy
// (import/import_verification.hpp). docs/migrating-from-cognito.md walks through the cut-over.
#pragma once

namespace synclatch::server {

// argv[0] is "import-cognito". Returns the process's exit code: 0 imported (and verified, unless asked
// not to), 1 failed or differences found, 2 a usage error, 3 stopped by a signal (run again to resume).
int run_import_cognito_command(int argc, char** argv);

}  // namespace synclatch::server
