// Windows constants used by the selector, sockets and pipes (values from the Windows SDK headers;
// several socket options differ from their Linux values).

// --- Win32 errors
export const ERROR_SUCCESS = 0;
export const ERROR_FILE_NOT_FOUND = 2;
export const ERROR_ACCESS_DENIED = 5;
export const ERROR_INVALID_HANDLE = 6;
export const ERROR_INVALID_PARAMETER = 87;
export const ERROR_BROKEN_PIPE = 109;
export const ERROR_PIPE_BUSY = 231;
export const ERROR_SEM_TIMEOUT = 121;
export const ERROR_NO_DATA = 232;
export const ERROR_MORE_DATA = 234;
export const WAIT_TIMEOUT = 258;
export const ERROR_PIPE_CONNECTED = 535;
export const ERROR_PIPE_LISTENING = 536;
export const ERROR_ABANDONED_WAIT_0 = 735;
export const ERROR_OPERATION_ABORTED = 995;
export const ERROR_IO_INCOMPLETE = 996;
export const ERROR_IO_PENDING = 997;
export const ERROR_NOT_FOUND = 1168;

// --- Winsock errors
export const WSAEINTR = 10004;
export const WSAEINVAL = 10022;
export const WSAEWOULDBLOCK = 10035;
export const WSAEINPROGRESS = 10036;
export const WSAEALREADY = 10037;
export const WSAENOTSOCK = 10038;
export const WSAEMSGSIZE = 10040;
export const WSAECONNRESET = 10054;
export const WSAENOTCONN = 10057;

// --- NTSTATUS
export const STATUS_SUCCESS = 0;
export const STATUS_PENDING = 0x103;
export const STATUS_CANCELLED = 0xc0000120;
export const STATUS_NOT_FOUND = 0xc0000225;
export const STATUS_INVALID_HANDLE = 0xc0000008;

// --- Handles, files and completion ports
export const INVALID_HANDLE_VALUE = 0xffff_ffff_ffff_ffffn;
export const INFINITE = 0xffffffff;
export const SYNCHRONIZE = 0x0010_0000;
export const GENERIC_READ = 0x8000_0000;
export const GENERIC_WRITE = 0x4000_0000;
export const FILE_SHARE_READ = 0x1;
export const FILE_SHARE_WRITE = 0x2;
export const FILE_OPEN = 1;
export const OPEN_EXISTING = 3;
export const FILE_FLAG_OVERLAPPED = 0x4000_0000;
export const FILE_FLAG_FIRST_PIPE_INSTANCE = 0x0008_0000;
export const SECURITY_SQOS_PRESENT = 0x0010_0000;
export const SECURITY_IDENTIFICATION = 0x0001_0000;
export const FILE_SKIP_COMPLETION_PORT_ON_SUCCESS = 0x1;
export const FILE_SKIP_SET_EVENT_ON_HANDLE = 0x2;

// --- Named pipes
export const PIPE_ACCESS_INBOUND = 0x1;
export const PIPE_ACCESS_OUTBOUND = 0x2;
export const PIPE_ACCESS_DUPLEX = 0x3;
export const PIPE_TYPE_BYTE = 0x0;
export const PIPE_TYPE_MESSAGE = 0x4;
export const PIPE_READMODE_BYTE = 0x0;
export const PIPE_READMODE_MESSAGE = 0x2;
export const PIPE_WAIT = 0x0;
export const PIPE_REJECT_REMOTE_CLIENTS = 0x8;
export const PIPE_UNLIMITED_INSTANCES = 255;

// --- AFD
export const IOCTL_AFD_POLL = 0x0001_2024;
export const AFD_POLL_RECEIVE = 0x0001;
export const AFD_POLL_RECEIVE_EXPEDITED = 0x0002;
export const AFD_POLL_SEND = 0x0004;
export const AFD_POLL_DISCONNECT = 0x0008;
export const AFD_POLL_ABORT = 0x0010;
export const AFD_POLL_LOCAL_CLOSE = 0x0020;
/** Stays set for the whole life of a connection, so it is never polled for. */
export const AFD_POLL_CONNECT = 0x0040;
export const AFD_POLL_ACCEPT = 0x0080;
export const AFD_POLL_CONNECT_FAIL = 0x0100;
export const AFD_KNOWN_EVENTS =
  AFD_POLL_RECEIVE |
  AFD_POLL_RECEIVE_EXPEDITED |
  AFD_POLL_SEND |
  AFD_POLL_DISCONNECT |
  AFD_POLL_ABORT |
  AFD_POLL_LOCAL_CLOSE |
  AFD_POLL_ACCEPT |
  AFD_POLL_CONNECT_FAIL;

// --- Winsock
export const INVALID_SOCKET = 0xffff_ffff_ffff_ffffn;
export const SOCKET_ERROR = -1;
export const AF_UNSPEC = 0;
export const AF_INET = 2;
export const AF_INET6 = 23;
export const SOCK_STREAM = 1;
export const SOCK_DGRAM = 2;
export const IPPROTO_IP = 0;
export const IPPROTO_TCP = 6;
export const IPPROTO_UDP = 17;
export const IPPROTO_IPV6 = 41;
export const WSA_FLAG_OVERLAPPED = 0x01;
export const WSA_FLAG_NO_HANDLE_INHERIT = 0x80;
export const SOMAXCONN = 0x7fffffff;
export const MSG_OOB = 0x1;
export const MSG_PEEK = 0x2;
export const SD_RECEIVE = 0;
export const SD_SEND = 1;
export const SD_BOTH = 2;
export const FIONBIO = 0x8004667e;
export const FIONREAD = 0x4004667f;
export const SIO_BSP_HANDLE = 0x4800001b;
export const SIO_BSP_HANDLE_SELECT = 0x4800001c;
export const SIO_BSP_HANDLE_POLL = 0x4800001d;
export const SIO_BASE_HANDLE = 0x48000022;
export const SIO_UDP_CONNRESET = 0x9800000c;
export const SIO_KEEPALIVE_VALS = 0x98000004;

export const SOL_SOCKET = 0xffff;
export const SO_REUSEADDR = 0x0004;
export const SO_KEEPALIVE = 0x0008;
export const SO_BROADCAST = 0x0020;
export const SO_LINGER = 0x0080;
export const SO_SNDBUF = 0x1001;
export const SO_RCVBUF = 0x1002;
export const SO_ERROR = 0x1007;
export const SO_TYPE = 0x1008;
/** `~SO_REUSEADDR` as the 32-bit signed value setsockopt expects. */
export const SO_EXCLUSIVEADDRUSE = ~SO_REUSEADDR;
export const TCP_NODELAY = 0x0001;
export const TCP_KEEPIDLE = 3;
export const TCP_KEEPCNT = 16;
export const TCP_KEEPINTVL = 17;
export const IP_TTL = 4;
export const IP_MULTICAST_IF = 9;
export const IP_MULTICAST_TTL = 10;
export const IP_MULTICAST_LOOP = 11;
export const IP_ADD_MEMBERSHIP = 12;
export const IP_DROP_MEMBERSHIP = 13;
export const IPV6_UNICAST_HOPS = 4;
export const IPV6_MULTICAST_IF = 9;
export const IPV6_MULTICAST_HOPS = 10;
export const IPV6_MULTICAST_LOOP = 11;
export const IPV6_ADD_MEMBERSHIP = 12;
export const IPV6_DROP_MEMBERSHIP = 13;
export const IPV6_V6ONLY = 27;

// --- Security (named-pipe access restricted to the current user)
export const TOKEN_QUERY = 0x0008;
/** TOKEN_INFORMATION_CLASS.TokenUser */
export const TOKEN_USER_CLASS = 1;
export const SDDL_REVISION_1 = 1;
