/*
 * afd-loop: the physical limit the TCP benchmarks are measured against (issue 13). The same
 * selector mio-ts builds (one completion port, one \Device\Afd handle, one IOCTL_AFD_POLL per
 * socket on its base handle, GetQueuedCompletionStatusEx), written directly in C: whatever
 * mio-ts costs above this is JavaScript, koffi and the library, not Winsock, AFD or Wine.
 *
 *   afd-loop.exe ping-pong <out.json> <measureMs> [warmupMs]
 *   afd-loop.exe bulk <out.json> <totalMiB> [warmupMiB]
 *
 * Built with -shared -DAFD_LOOP_DLL it is afd-loop.dll instead, whose afd_loop_run() takes the
 * same arguments: the same loop on the thread of the process that loads it (node.exe, through
 * koffi), to tell the cost of the calls from the cost of the process they are made from. There
 * a failure returns (the message from afd_loop_error()) instead of ending the process.
 *
 * The shapes are those of bench/tcp-ping-pong.ts and bench/tcp-bulk.ts (raw variant): one
 * loopback connection, both ends in this thread, TCP_NODELAY on both; ping-pong keeps one
 * 64-byte message in flight; bulk writes 64 KiB until WouldBlock and reads 256 KiB until
 * WouldBlock. Edge-triggered like mio: a socket's poll is issued again only after an operation
 * returned WouldBlock. The warm-up runs on a connection of its own, before the measured one.
 *
 * The JSON goes to a file, not stdout: under Wine a Windows process writing to a Linux pipe
 * gets EBADF.
 */
#define WIN32_LEAN_AND_MEAN
#include <winsock2.h>
#include <ws2tcpip.h>
#include <windows.h>
#include <winternl.h>
#include <mswsock.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <errno.h>
#include <setjmp.h>

/* AFD's poll interface, as src/sys/windows/ffi/constants.ts and structs.ts declare it. */
#define IOCTL_AFD_POLL 0x00012024
#define AFD_POLL_RECEIVE 0x0001
#define AFD_POLL_SEND 0x0004
#define AFD_POLL_DISCONNECT 0x0008
#define AFD_POLL_ABORT 0x0010
#define AFD_POLL_LOCAL_CLOSE 0x0020
#define AFD_POLL_ACCEPT 0x0080
#define AFD_POLL_CONNECT_FAIL 0x0100
#ifndef SIO_BASE_HANDLE
#define SIO_BASE_HANDLE 0x48000022
#endif
#ifndef STATUS_PENDING
#define STATUS_PENDING ((NTSTATUS)0x00000103L)
#endif

typedef struct {
  HANDLE handle;
  ULONG events;
  NTSTATUS status;
} AfdPollHandleInfo;

typedef struct {
  LARGE_INTEGER timeout;
  ULONG numberOfHandles;
  ULONG exclusive;
  AfdPollHandleInfo handles[1];
} AfdPollInfo;

#define MESSAGE_BYTES 64
#define CHUNK_BYTES (64 * 1024)
#define READ_BYTES (256 * 1024)
#define EVENT_TIMEOUT_MS 5000
#define MIB (1024.0 * 1024.0)

#ifdef AFD_LOOP_DLL
/* Where a failure returns to: afd_loop_run(), which reports it. Sockets and memory of the failed
 * run are left behind: the process is a benchmark that is about to fail. */
static jmp_buf failedRun;
static char lastError[256];
#endif

static void die(const char *what, long code) {
#ifdef AFD_LOOP_DLL
  snprintf(lastError, sizeof lastError, "afd-loop: %s failed (%ld, 0x%lx)", what, code, (unsigned long)code);
  longjmp(failedRun, 1);
#else
  fprintf(stderr, "afd-loop: %s failed (%ld, 0x%lx)\n", what, code, (unsigned long)code);
  exit(1);
#endif
}

static void *allocate(size_t bytes) {
  void *memory = calloc(1, bytes);
  if (memory == NULL) die("calloc", (long)bytes);
  return memory;
}

/* --- The selector: a port, an AFD handle, one poll per socket ---------------------------- */

typedef struct {
  /* First, so that the completion's overlapped pointer (the status block) is the Sock. */
  IO_STATUS_BLOCK iosb;
  AfdPollInfo info;
  SOCKET socket;
  SOCKET base;
  int pending;
} Sock;

typedef struct {
  HANDLE port;
  HANDLE afd;
  long polls;   /* AFD polls issued */
  long waits;   /* GetQueuedCompletionStatusEx calls */
  int inFlight; /* polls not yet dequeued */
} Selector;

static void selectorOpen(Selector *sel) {
  memset(sel, 0, sizeof *sel);
  sel->port = CreateIoCompletionPort(INVALID_HANDLE_VALUE, NULL, 0, 0);
  if (sel->port == NULL) die("CreateIoCompletionPort", GetLastError());
  /* Any name under \Device\Afd opens the driver; this one says who opened it. */
  static WCHAR name[] = L"\\Device\\Afd\\BenchLoop";
  UNICODE_STRING uname = {sizeof name - sizeof(WCHAR), sizeof name, name};
  OBJECT_ATTRIBUTES attributes;
  InitializeObjectAttributes(&attributes, &uname, 0, NULL, NULL);
  IO_STATUS_BLOCK iosb;
  NTSTATUS status = NtCreateFile(&sel->afd, SYNCHRONIZE, &attributes, &iosb, NULL, 0, FILE_SHARE_READ | FILE_SHARE_WRITE, FILE_OPEN, 0, NULL, 0);
  if (status != 0) die("NtCreateFile(\\Device\\Afd)", status);
  if (CreateIoCompletionPort(sel->afd, sel->port, 0, 0) == NULL) die("CreateIoCompletionPort(afd)", GetLastError());
  if (!SetFileCompletionNotificationModes(sel->afd, FILE_SKIP_SET_EVENT_ON_HANDLE)) die("SetFileCompletionNotificationModes", GetLastError());
}

static void sockInit(Sock *sock, SOCKET s) {
  memset(sock, 0, sizeof *sock);
  sock->socket = s;
  DWORD bytes = 0;
  /* AFD polls the base provider's socket, not a layered one (mio does the same). */
  if (WSAIoctl(s, SIO_BASE_HANDLE, NULL, 0, &sock->base, sizeof sock->base, &bytes, NULL, NULL) != 0) die("WSAIoctl(SIO_BASE_HANDLE)", WSAGetLastError());
}

/* Issues the socket's poll for `interest` (plus the failure events mio always asks for). */
static void arm(Selector *sel, Sock *sock, ULONG interest) {
  if (sock->pending) return;
  sock->info.timeout.QuadPart = INT64_MAX;
  sock->info.numberOfHandles = 1;
  sock->info.exclusive = FALSE;
  sock->info.handles[0].handle = (HANDLE)sock->base;
  sock->info.handles[0].events = interest | AFD_POLL_ABORT | AFD_POLL_LOCAL_CLOSE | AFD_POLL_CONNECT_FAIL;
  sock->info.handles[0].status = 0;
  sock->iosb.Status = STATUS_PENDING;
  NTSTATUS status = NtDeviceIoControlFile(sel->afd, NULL, NULL, &sock->iosb, &sock->iosb, IOCTL_AFD_POLL, &sock->info, sizeof sock->info, &sock->info, sizeof sock->info);
  /* Success too queues a completion: the handle does not skip the port on success. */
  if (status != STATUS_PENDING && status != 0) die("NtDeviceIoControlFile(IOCTL_AFD_POLL)", status);
  sock->pending = 1;
  sel->polls++;
  sel->inFlight++;
}

/* Waits for completed polls; returns how many, each socket's events in `events[i]`. */
static int selectorWait(Selector *sel, Sock **ready, ULONG *events, int capacity, DWORD timeoutMs) {
  OVERLAPPED_ENTRY entries[8];
  ULONG removed = 0;
  if (capacity > 8) capacity = 8;
  sel->waits++;
  if (!GetQueuedCompletionStatusEx(sel->port, entries, (ULONG)capacity, &removed, timeoutMs, FALSE)) {
    DWORD error = GetLastError();
    if (error == WAIT_TIMEOUT) return 0;
    die("GetQueuedCompletionStatusEx", error);
  }
  for (ULONG i = 0; i < removed; i++) {
    Sock *sock = (Sock *)entries[i].lpOverlapped;
    sock->pending = 0;
    sel->inFlight--;
    ready[i] = sock;
    if (!NT_SUCCESS(sock->iosb.Status)) events[i] = AFD_POLL_ABORT;
    else events[i] = sock->info.numberOfHandles < 1 ? 0 : sock->info.handles[0].events;
  }
  return (int)removed;
}

/*
 * Closes the sockets, cancels what is still pending and waits for it, then frees the Socks and
 * closes the handles.
 */
static void selectorClose(Selector *sel, Sock **socks, int count) {
  for (int i = 0; i < count; i++) {
    if (socks[i]->pending) CancelIoEx(sel->afd, (LPOVERLAPPED)&socks[i]->iosb);
    closesocket(socks[i]->socket);
  }
  Sock *ready[8];
  ULONG events[8];
  while (sel->inFlight > 0)
    if (selectorWait(sel, ready, events, 8, 2000) == 0) break;
  /* A poll still in flight owns its Sock: leak it (and the port) rather than free it. */
  if (sel->inFlight > 0) return;
  for (int i = 0; i < count; i++) free(socks[i]);
  CloseHandle(sel->afd);
  CloseHandle(sel->port);
}

/* --- Sockets ------------------------------------------------------------------------------- */

static SOCKET tcpSocket(void) {
  SOCKET s = WSASocketW(AF_INET, SOCK_STREAM, IPPROTO_TCP, NULL, 0, WSA_FLAG_OVERLAPPED | WSA_FLAG_NO_HANDLE_INHERIT);
  if (s == INVALID_SOCKET) die("WSASocketW", WSAGetLastError());
  u_long on = 1;
  if (ioctlsocket(s, FIONBIO, &on) != 0) die("ioctlsocket(FIONBIO)", WSAGetLastError());
  return s;
}

static void noDelay(SOCKET s) {
  BOOL on = TRUE;
  if (setsockopt(s, IPPROTO_TCP, TCP_NODELAY, (const char *)&on, sizeof on) != 0) die("setsockopt(TCP_NODELAY)", WSAGetLastError());
}

/*
 * A connected loopback pair, both non-blocking with TCP_NODELAY: the client connects, the
 * listener's ACCEPT and the client's SEND (connected) come through the selector.
 */
static void connectPair(Selector *sel, Sock *client, Sock *server) {
  SOCKET listener = tcpSocket();
  struct sockaddr_in address = {0};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (bind(listener, (struct sockaddr *)&address, sizeof address) != 0) die("bind", WSAGetLastError());
  if (listen(listener, 8) != 0) die("listen", WSAGetLastError());
  int length = sizeof address;
  if (getsockname(listener, (struct sockaddr *)&address, &length) != 0) die("getsockname", WSAGetLastError());
  Sock listening;
  sockInit(&listening, listener);
  sockInit(client, tcpSocket());
  if (connect(client->socket, (struct sockaddr *)&address, sizeof address) != 0 && WSAGetLastError() != WSAEWOULDBLOCK) die("connect", WSAGetLastError());
  arm(sel, &listening, AFD_POLL_ACCEPT);
  arm(sel, client, AFD_POLL_SEND);
  SOCKET accepted = INVALID_SOCKET;
  int connected = 0;
  while (accepted == INVALID_SOCKET || !connected) {
    Sock *ready[8];
    ULONG events[8];
    int n = selectorWait(sel, ready, events, 8, EVENT_TIMEOUT_MS);
    if (n == 0) die("connecting (no event)", 0);
    for (int i = 0; i < n; i++) {
      if (events[i] & (AFD_POLL_ABORT | AFD_POLL_CONNECT_FAIL)) die("connecting (connection failed)", (long)events[i]);
      if (ready[i] == client) connected = 1;
      else {
        accepted = accept(listener, NULL, NULL);
        if (accepted == INVALID_SOCKET && WSAGetLastError() != WSAEWOULDBLOCK) die("accept", WSAGetLastError());
        if (accepted == INVALID_SOCKET) arm(sel, &listening, AFD_POLL_ACCEPT);
      }
    }
  }
  if (listening.pending) {
    /* Its poll must be gone before `listening` goes out of scope. */
    CancelIoEx(sel->afd, (LPOVERLAPPED)&listening.iosb);
    while (listening.pending) {
      Sock *ready[8];
      ULONG events[8];
      int n = selectorWait(sel, ready, events, 8, EVENT_TIMEOUT_MS);
      if (n == 0) die("cancelling the listener's poll", 0);
      for (int i = 0; i < n; i++)
        if (ready[i] != &listening) die("an unexpected completion while connecting", 0);
    }
  }
  closesocket(listener);
  u_long on = 1;
  if (ioctlsocket(accepted, FIONBIO, &on) != 0) die("ioctlsocket(FIONBIO)", WSAGetLastError());
  sockInit(server, accepted);
  noDelay(client->socket);
  noDelay(server->socket);
}

/* --- Clock and statistics ------------------------------------------------------------------ */

static double ticksPerUs;

static double nowUs(void) {
  LARGE_INTEGER now;
  QueryPerformanceCounter(&now);
  return (double)now.QuadPart / ticksPerUs;
}

static int compareDoubles(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return x < y ? -1 : x > y;
}

/* Nearest rank, as percentile() in bench/lib/harness.ts. */
static double percentile(const double *sorted, long n, double p) {
  if (n == 0) return 0;
  long rank = (long)((p / 100.0) * n + 0.999999999) - 1;
  if (rank < 0) rank = 0;
  if (rank > n - 1) rank = n - 1;
  return sorted[rank];
}

/* --- Ping-pong ----------------------------------------------------------------------------- */

typedef struct {
  long roundTrips;
  double seconds;
  double *latencies; /* µs */
  long polls;
  long waits;
} PingPong;

static void sendAll(SOCKET s, const char *data, int length) {
  /* One small message in flight: the send buffer never fills. */
  int n = send(s, data, length, 0);
  if (n != length) die("send (short or WouldBlock)", n < 0 ? WSAGetLastError() : n);
}

static PingPong pingPong(double durationMs) {
  Selector sel;
  selectorOpen(&sel);
  Sock *client = allocate(sizeof(Sock));
  Sock *server = allocate(sizeof(Sock));
  connectPair(&sel, client, server);
  long capacity = 1 << 16;
  PingPong result = {0, 0, allocate(sizeof(double) * capacity), 0, 0};
  static char message[MESSAGE_BYTES];
  static char buffer[CHUNK_BYTES];
  memset(message, 0x42, sizeof message);
  arm(&sel, client, AFD_POLL_RECEIVE | AFD_POLL_DISCONNECT);
  arm(&sel, server, AFD_POLL_RECEIVE | AFD_POLL_DISCONNECT);
  long pollsBefore = sel.polls, waitsBefore = sel.waits;
  double started = nowUs();
  double end = started + durationMs * 1000.0;
  double sentAt = nowUs();
  long pending = 0;
  sendAll(client->socket, message, MESSAGE_BYTES);
  for (;;) {
    Sock *ready[8];
    ULONG events[8];
    int n = selectorWait(&sel, ready, events, 8, EVENT_TIMEOUT_MS);
    if (n == 0) die("ping-pong (no event within the timeout)", 0);
    for (int i = 0; i < n; i++) {
      Sock *sock = ready[i];
      if (events[i] & (AFD_POLL_ABORT | AFD_POLL_LOCAL_CLOSE)) die("ping-pong (connection aborted)", (long)events[i]);
      for (;;) {
        int got = recv(sock->socket, buffer, sizeof buffer, 0);
        if (got == SOCKET_ERROR) {
          if (WSAGetLastError() != WSAEWOULDBLOCK) die("recv", WSAGetLastError());
          break;
        }
        if (got == 0) die("ping-pong (unexpected end of stream)", 0);
        if (sock == server) sendAll(server->socket, buffer, got);
        else pending += got;
      }
      /* WouldBlock: only now is the next poll due (edge-triggered). */
      arm(&sel, sock, AFD_POLL_RECEIVE | AFD_POLL_DISCONNECT);
    }
    if (pending >= MESSAGE_BYTES) {
      pending -= MESSAGE_BYTES;
      double now = nowUs();
      if (result.roundTrips == capacity) {
        capacity *= 2;
        result.latencies = realloc(result.latencies, sizeof(double) * capacity);
        if (result.latencies == NULL) die("realloc", 0);
      }
      result.latencies[result.roundTrips++] = now - sentAt;
      if (now >= end) {
        result.seconds = (now - started) / 1e6;
        break;
      }
      sentAt = now;
      sendAll(client->socket, message, MESSAGE_BYTES);
    }
  }
  result.polls = sel.polls - pollsBefore;
  result.waits = sel.waits - waitsBefore;
  Sock *socks[] = {client, server};
  selectorClose(&sel, socks, 2);
  return result;
}

/* --- Bulk ---------------------------------------------------------------------------------- */

typedef struct {
  double seconds;
  long writes, writeWouldBlocks, reads, polls, waits;
} Bulk;

static Bulk bulk(long long total) {
  Selector sel;
  selectorOpen(&sel);
  Sock *client = allocate(sizeof(Sock));
  Sock *server = allocate(sizeof(Sock));
  connectPair(&sel, client, server);
  static char chunk[CHUNK_BYTES];
  static char buffer[READ_BYTES];
  memset(chunk, 0x5a, sizeof chunk);
  Bulk result = {0};
  long long sent = 0, received = 0;
  long pollsBefore = sel.polls, waitsBefore = sel.waits;
  arm(&sel, server, AFD_POLL_RECEIVE | AFD_POLL_DISCONNECT);
  double started = nowUs();
  int writable = 1; /* connected: writable until a write would block */
  while (received < total) {
    if (writable) {
      while (sent < total) {
        int size = total - sent < CHUNK_BYTES ? (int)(total - sent) : CHUNK_BYTES;
        int n = send(client->socket, chunk, size, 0);
        if (n == SOCKET_ERROR) {
          if (WSAGetLastError() != WSAEWOULDBLOCK) die("send", WSAGetLastError());
          result.writeWouldBlocks++;
          writable = 0;
          arm(&sel, client, AFD_POLL_SEND);
          break;
        }
        sent += n;
        result.writes++;
      }
      if (sent >= total) writable = 0;
    }
    Sock *ready[8];
    ULONG events[8];
    int n = selectorWait(&sel, ready, events, 8, EVENT_TIMEOUT_MS);
    if (n == 0) die("bulk (no event within the timeout)", (long)(received >> 10));
    for (int i = 0; i < n; i++) {
      if (events[i] & (AFD_POLL_ABORT | AFD_POLL_LOCAL_CLOSE)) die("bulk (connection aborted)", (long)events[i]);
      if (ready[i] == client) {
        if (events[i] & AFD_POLL_SEND) writable = 1;
        else arm(&sel, client, AFD_POLL_SEND);
        continue;
      }
      for (;;) {
        int got = recv(server->socket, buffer, sizeof buffer, 0);
        if (got == SOCKET_ERROR) {
          if (WSAGetLastError() != WSAEWOULDBLOCK) die("recv", WSAGetLastError());
          break;
        }
        if (got == 0) die("bulk (unexpected end of stream)", 0);
        received += got;
        result.reads++;
      }
      if (received < total) arm(&sel, server, AFD_POLL_RECEIVE | AFD_POLL_DISCONNECT);
    }
  }
  result.seconds = (nowUs() - started) / 1e6;
  result.polls = sel.polls - pollsBefore;
  result.waits = sel.waits - waitsBefore;
  Sock *socks[] = {client, server};
  selectorClose(&sel, socks, 2);
  return result;
}

/* --- Main ---------------------------------------------------------------------------------- */

static FILE *openOutput(const char *path) {
  FILE *out = fopen(path, "w");
  if (out == NULL) die("fopen(output)", errno);
  return out;
}

/*
 * With MIO_TRACE_MARKER=<label>, opens the (absent) pipe \\.\pipe\mio-trace-<what>-<label>: the
 * open is one wineserver request whose trace names it, so a +server trace can be cut at the
 * measured part (bench/server-round-trips.ts).
 */
static void traceMarker(const char *what) {
  const char *label = getenv("MIO_TRACE_MARKER");
  if (label == NULL) return;
  char name[256];
  snprintf(name, sizeof name, "\\\\.\\pipe\\mio-trace-%s-%s", what, label);
  HANDLE h = CreateFileA(name, GENERIC_READ, 0, NULL, OPEN_EXISTING, 0, NULL);
  if (h != INVALID_HANDLE_VALUE) CloseHandle(h);
}

static int run(int argc, char **argv) {
  if (argc < 4) {
    fprintf(stderr, "usage: afd-loop ping-pong <out.json> <measureMs> [warmupMs]\n       afd-loop bulk <out.json> <totalMiB> [warmupMiB]\n");
    return 2;
  }
  WSADATA wsa;
  if (WSAStartup(MAKEWORD(2, 2), &wsa) != 0) die("WSAStartup", WSAGetLastError());
  LARGE_INTEGER frequency;
  QueryPerformanceFrequency(&frequency);
  ticksPerUs = (double)frequency.QuadPart / 1e6;
  const char *mode = argv[1];
  const char *outPath = argv[2];
  double amount = atof(argv[3]);
  double warmup = argc > 4 ? atof(argv[4]) : 0;
  if (amount <= 0 || warmup < 0) die("arguments (amounts must be positive)", 0);
  if (strcmp(mode, "ping-pong") == 0) {
    if (warmup > 0) free(pingPong(warmup).latencies);
    traceMarker("begin");
    PingPong r = pingPong(amount);
    traceMarker("end");
    double *sorted = allocate(sizeof(double) * (r.roundTrips > 0 ? r.roundTrips : 1));
    memcpy(sorted, r.latencies, sizeof(double) * r.roundTrips);
    qsort(sorted, r.roundTrips, sizeof(double), compareDoubles);
    FILE *out = openOutput(outPath);
    fprintf(out, "{\"mode\":\"ping-pong\",\"messageBytes\":%d,\"roundTrips\":%ld,\"seconds\":%.6f,\"roundTripsPerSecond\":%.1f,", MESSAGE_BYTES, r.roundTrips, r.seconds, r.roundTrips / r.seconds);
    fprintf(out, "\"latencyUs\":{\"p50\":%.1f,\"p99\":%.1f,\"min\":%.1f,\"max\":%.1f},\"polls\":%ld,\"waits\":%ld,\"latenciesUs\":[", percentile(sorted, r.roundTrips, 50), percentile(sorted, r.roundTrips, 99), sorted[0], sorted[r.roundTrips - 1], r.polls, r.waits);
    for (long i = 0; i < r.roundTrips; i++) fprintf(out, i == 0 ? "%.1f" : ",%.1f", r.latencies[i]);
    fprintf(out, "]}\n");
    fclose(out);
  } else if (strcmp(mode, "bulk") == 0) {
    if (warmup > 0) bulk((long long)(warmup * MIB));
    long long total = (long long)(amount * MIB);
    Bulk r = bulk(total);
    FILE *out = openOutput(outPath);
    fprintf(out, "{\"mode\":\"bulk\",\"bytes\":%lld,\"seconds\":%.6f,\"mibPerSecond\":%.2f,\"writeBytes\":%d,\"readBytes\":%d,", total, r.seconds, total / MIB / r.seconds, CHUNK_BYTES, READ_BYTES);
    fprintf(out, "\"writes\":%ld,\"writeWouldBlocks\":%ld,\"reads\":%ld,\"polls\":%ld,\"waits\":%ld}\n", r.writes, r.writeWouldBlocks, r.reads, r.polls, r.waits);
    fclose(out);
  } else {
    fprintf(stderr, "afd-loop: unknown mode %s\n", mode);
    return 2;
  }
  WSACleanup();
  return 0;
}

#ifdef AFD_LOOP_DLL
/* The arguments of the .exe after its name; 0 when the JSON is written, 1 on a failure. */
__declspec(dllexport) int afd_loop_run(const char *mode, const char *outPath, const char *amount, const char *warmup) {
  char *argv[] = {"afd-loop", (char *)mode, (char *)outPath, (char *)amount, (char *)warmup};
  lastError[0] = 0;
  if (setjmp(failedRun) != 0) return 1;
  return run(5, argv) == 0 ? 0 : 1;
}

__declspec(dllexport) const char *afd_loop_error(void) {
  return lastError;
}
#else
int main(int argc, char **argv) {
  return run(argc, argv);
}
#endif
