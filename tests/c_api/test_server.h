/* A synclatch-server process for the C programs' tests: $SYNCLATCH_SERVER_BINARY on a loopback port, with
 * SigV4 and the admin key ADMINKEY:admin-secret, its data in data_dir, and one more flag and its value
 * (NULL: none). */
#ifndef SYNCLATCH_TEST_SERVER_H
#define SYNCLATCH_TEST_SERVER_H

#include <stddef.h>

/* Starts it and writes "http://127.0.0.1:PORT" to endpoint; 0 when it did not start. A test that dies
   takes the server along. */
int start_server(const char* data_dir, const char* flag, const char* value, char* endpoint,
                 size_t endpoint_size);
/* Stops it (SIGTERM) and waits for it. */
void stop_server(void);

#endif
