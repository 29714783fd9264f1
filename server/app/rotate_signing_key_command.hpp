// `synclatch-server rotate-signing-key`: a new OpenID signing key for a deployment, its current one kept as
// the previous (published and accepted, never used to sign), the previous one dropped.
#pragma once

namespace synclatch::server {

// argv[0] is "rotate-signing-key". Returns the process's exit code: 0 rotated, 1 failed (nothing changed),
// 2 a usage error.
int run_rotate_signing_key_command(int argc, char** argv);

}  // namespace synclatch::server
