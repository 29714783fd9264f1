// One record read or written by the real, unmodified AWS JavaScript SDK v3, for identity id given (the C++
// interop tests run it beside our client on the same identity):
//   node record_io.mjs ENDPOINT IDENTITY_ID DATASET KEY read
//   node record_io.mjs ENDPOINT IDENTITY_ID DATASET KEY write VALUE
//   node record_io.mjs ENDPOINT IDENTITY_ID DATASET KEY remove
// Credentials come from the SDK's own provider (GetCredentialsForIdentity); requests are SigV4-signed by
// the SDK. Prints one JSON object on stdout: for read {found, value, syncCount, lastModifiedBy,
// datasetSyncCount} (value null for a removed record), for write/remove the record UpdateRecords returned.
// Any failure: a message on stderr and exit status 1.
import { CognitoSyncClient, ListRecordsCommand, UpdateRecordsCommand } from "@aws-sdk/client-cognito-sync";
import { fromCognitoIdentity } from "@aws-sdk/credential-providers";
import { POOL_ID, REGION } from "./server.mjs";

const [endpoint, identityId, dataset, key, command, value] = process.argv.slice(2);
if (!key || !["read", "write", "remove"].includes(command) || (command === "write" && value === undefined)) {
  console.error("usage: record_io.mjs ENDPOINT IDENTITY_ID DATASET KEY read|write VALUE|remove");
  process.exit(2);
}

const credentials = fromCognitoIdentity({ identityId, clientConfig: { region: REGION, endpoint } });
const client = new CognitoSyncClient({ region: REGION, endpoint, credentials });
const ids = { IdentityPoolId: POOL_ID, IdentityId: identityId, DatasetName: dataset };

// Every record of the dataset (following NextToken), and the session token of the first page.
async function listAll() {
  const records = [];
  let NextToken;
  let first;
  do {
    const page = await client.send(new ListRecordsCommand({ ...ids, LastSyncCount: 0, NextToken }));
    first ??= page;
    records.push(...(page.Records ?? []));
    NextToken = page.NextToken;
  } while (NextToken);
  return { records, token: first.SyncSessionToken, datasetSyncCount: first.DatasetSyncCount };
}

function describe(record) {
  return {
    key: record.Key,
    value: record.Value ?? null,
    syncCount: record.SyncCount,
    lastModifiedBy: record.LastModifiedBy ?? null,
  };
}

try {
  const { records, token, datasetSyncCount } = await listAll();
  const existing = records.find((r) => r.Key === key);
  if (command === "read") {
    console.log(JSON.stringify(existing ? { found: true, ...describe(existing), datasetSyncCount }
                                        : { found: false, value: null, datasetSyncCount }));
  } else {
    // The patch builds on the record's current SyncCount (0 for a new key), as the protocol requires.
    const patch = { Op: command === "write" ? "replace" : "remove", Key: key, SyncCount: existing?.SyncCount ?? 0,
                    DeviceLastModifiedDate: new Date() };
    if (command === "write") patch.Value = value;
    const out = await client.send(new UpdateRecordsCommand({
      ...ids, SyncSessionToken: token, DeviceId: "interop-v3", RecordPatches: [patch],
    }));
    console.log(JSON.stringify(describe(out.Records[0])));
  }
} catch (e) {
  console.error(`${e.name ?? "Error"}: ${e.message}`);
  process.exit(1);
}
