// A stand-in OpenID Connect provider for the sign-in tests: an RSA key of its own (Node's crypto, nothing
// of synclatch's), its JWKS written to a file the server is given (--login-provider), and ID tokens signed
// RS256 for any user, as accounts.example.com would issue them to an app.
import { createSign, generateKeyPairSync, randomUUID } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

export class OidcProvider {
  constructor({ name = "accounts.example.com", clientId = "interop-app" } = {}) {
    this.name = name;
    this.issuer = `https://${name}`;
    this.clientId = clientId;
    this.kid = randomUUID();
    const { privateKey, publicKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
    this.privateKey = privateKey;
    this.dir = mkdtempSync(join(tmpdir(), "synclatch-oidc-"));
    this.jwksFile = join(this.dir, "jwks.json");
    const jwk = publicKey.export({ format: "jwk" });
    writeFileSync(this.jwksFile, JSON.stringify({ keys: [{ ...jwk, kid: this.kid, alg: "RS256", use: "sig" }] }));
  }

  // The server's flag that trusts this provider in the default pool.
  serverArgs() {
    return ["--login-provider", `${this.name},${this.issuer},${this.clientId},${this.jwksFile}`];
  }

  // An ID token for user `subject`, valid for `seconds`.
  token(subject, { seconds = 600, audience = this.clientId } = {}) {
    const now = Math.floor(Date.now() / 1000);
    const part = (object) => Buffer.from(JSON.stringify(object)).toString("base64url");
    const signed = `${part({ alg: "RS256", typ: "JWT", kid: this.kid })}.${part({
      iss: this.issuer, sub: subject, aud: audience, iat: now, exp: now + seconds, token_use: "id",
    })}`;
    const signature = createSign("RSA-SHA256").update(signed).sign(this.privateKey).toString("base64url");
    return `${signed}.${signature}`;
  }

  remove() { rmSync(this.dir, { recursive: true, force: true }); }
}
