/*
 * statseg: the few system calls Node lacks to read VPP's stats segment.
 *
 * Reader side: connect a SOCK_SEQPACKET unix socket, receive the segment's
 * file descriptor (one SCM_RIGHTS message), map it read-only and hand JS an
 * ArrayBuffer over the mapping. Writer side (the simulator): a memfd mapped
 * read-write, and a listening SEQPACKET socket served from the event loop
 * (uv_poll) that sends that memfd to each client and closes the connection.
 *
 * A mapping lives until unmap() (which detaches the ArrayBuffer first, so JS
 * can never touch unmapped memory) or until its ArrayBuffer is collected.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include <node_api.h>
#include <uv.h>

#define CHECK(call)                                                            \
  do {                                                                         \
    if ((call) != napi_ok) {                                                   \
      napi_throw_error(env, NULL, "statseg: N-API call failed: " #call);       \
      return NULL;                                                             \
    }                                                                          \
  } while (0)

static napi_value throw_errno(napi_env env, const char *what, int err) {
  char msg[512];
  snprintf(msg, sizeof msg, "%s: %s", what, strerror(err));
  napi_value code, text, error;
  napi_create_string_utf8(env, "ERRNO", NAPI_AUTO_LENGTH, &code);
  napi_create_string_utf8(env, msg, NAPI_AUTO_LENGTH, &text);
  napi_create_error(env, code, text, &error);
  napi_value errno_value;
  napi_create_int32(env, err, &errno_value);
  napi_set_named_property(env, error, "errno", errno_value);
  napi_throw(env, error);
  return NULL;
}

/* ------------------------------------------------------------- mappings */

/* Mappings by id: a finalizer must never unmap memory that unmap() already
 * released and mmap() handed out again at the same address. */
typedef struct mapping {
  uintptr_t id;
  void *addr;
  size_t size;
  struct mapping *next;
} mapping_t;

static mapping_t *mappings;
static uintptr_t next_mapping_id = 1;

static mapping_t *take_mapping(uintptr_t id) {
  for (mapping_t **p = &mappings; *p; p = &(*p)->next) {
    if ((*p)->id == id) {
      mapping_t *m = *p;
      *p = m->next;
      return m;
    }
  }
  return NULL;
}

static void finalize_mapping(napi_env env, void *data, void *hint) {
  (void)env;
  (void)data;
  mapping_t *m = take_mapping((uintptr_t)hint);
  if (m) {
    munmap(m->addr, m->size);
    free(m);
  }
}

/* An object { buffer: ArrayBuffer, id } over [addr, addr+size). */
static napi_value wrap_mapping(napi_env env, void *addr, size_t size) {
  mapping_t *m = malloc(sizeof *m);
  if (!m) {
    munmap(addr, size);
    return throw_errno(env, "statseg: malloc", ENOMEM);
  }
  m->id = next_mapping_id++;
  m->addr = addr;
  m->size = size;
  m->next = mappings;
  mappings = m;
  napi_value buffer, id, result;
  if (napi_create_external_arraybuffer(env, addr, size, finalize_mapping,
                                       (void *)m->id, &buffer) != napi_ok) {
    take_mapping(m->id);
    munmap(addr, size);
    free(m);
    napi_throw_error(env, NULL, "statseg: cannot create an external ArrayBuffer");
    return NULL;
  }
  CHECK(napi_create_double(env, (double)m->id, &id));
  CHECK(napi_create_object(env, &result));
  CHECK(napi_set_named_property(env, result, "buffer", buffer));
  CHECK(napi_set_named_property(env, result, "id", id));
  return result;
}

static int arg_string(napi_env env, napi_value v, char *out, size_t cap) {
  size_t len;
  if (napi_get_value_string_utf8(env, v, out, cap, &len) != napi_ok)
    return -1;
  return len + 1 >= cap ? -1 : 0;
}

/* ---------------------------------------------------------- reader side */

static int connect_seqpacket(const char *path, int *fd_out) {
  int s = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
  if (s < 0)
    return errno;
  struct sockaddr_un un = {.sun_family = AF_UNIX};
  memcpy(un.sun_path, path, strnlen(path, sizeof un.sun_path - 1));
  if (connect(s, (struct sockaddr *)&un, sizeof un) < 0) {
    int err = errno;
    close(s);
    return err;
  }
  *fd_out = s;
  return 0;
}

/* One SCM_RIGHTS descriptor, waiting at most timeout_ms. */
static int recv_fd(int s, int timeout_ms, int *fd_out) {
  struct pollfd p = {.fd = s, .events = POLLIN};
  int n = poll(&p, 1, timeout_ms);
  if (n < 0)
    return errno;
  if (n == 0)
    return ETIMEDOUT;
  char byte;
  struct iovec io = {.iov_base = &byte, .iov_len = 1};
  union {
    char buf[CMSG_SPACE(sizeof(int))];
    struct cmsghdr align;
  } u;
  struct msghdr msg = {.msg_iov = &io,
                       .msg_iovlen = 1,
                       .msg_control = u.buf,
                       .msg_controllen = sizeof u.buf};
  if (recvmsg(s, &msg, MSG_CMSG_CLOEXEC) < 0)
    return errno;
  struct cmsghdr *c = CMSG_FIRSTHDR(&msg);
  if (!c || c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS)
    return EBADMSG;
  memcpy(fd_out, CMSG_DATA(c), sizeof(int));
  return 0;
}

typedef struct {
  char path[sizeof(((struct sockaddr_un *)0)->sun_path)];
  int timeout_ms;
  const char *failed; /* which step failed */
  int err;
  void *addr;
  size_t size;
  napi_deferred deferred;
  napi_async_work work;
} open_job_t;

static void open_execute(napi_env env, void *data) {
  (void)env;
  open_job_t *job = data;
  int s = -1, fd = -1;
  if ((job->err = connect_seqpacket(job->path, &s))) {
    job->failed = "connect";
    return;
  }
  job->err = recv_fd(s, job->timeout_ms, &fd);
  close(s);
  if (job->err) {
    job->failed = "receive the segment's descriptor";
    return;
  }
  struct stat st;
  if (fstat(fd, &st) < 0) {
    job->err = errno;
    job->failed = "fstat";
    close(fd);
    return;
  }
  if (st.st_size <= 0) {
    job->err = EINVAL;
    job->failed = "an empty segment";
    close(fd);
    return;
  }
  void *addr = mmap(NULL, st.st_size, PROT_READ, MAP_SHARED, fd, 0);
  int err = errno;
  close(fd);
  if (addr == MAP_FAILED) {
    job->err = err;
    job->failed = "mmap";
    return;
  }
  job->addr = addr;
  job->size = st.st_size;
}

static void open_complete(napi_env env, napi_status status, void *data) {
  open_job_t *job = data;
  napi_value result = NULL;
  if (status == napi_ok && !job->err) {
    result = wrap_mapping(env, job->addr, job->size);
  }
  if (result) {
    napi_resolve_deferred(env, job->deferred, result);
  } else {
    bool pending = false;
    napi_value error = NULL;
    napi_is_exception_pending(env, &pending);
    if (pending) {
      napi_get_and_clear_last_exception(env, &error);
    } else {
      char msg[600];
      snprintf(msg, sizeof msg, "%s %s: %s", job->failed ? job->failed : "open",
               job->path, strerror(job->err ? job->err : EIO));
      napi_value code, text, errno_value;
      napi_create_string_utf8(env, "ERRNO", NAPI_AUTO_LENGTH, &code);
      napi_create_string_utf8(env, msg, NAPI_AUTO_LENGTH, &text);
      napi_create_error(env, code, text, &error);
      napi_create_int32(env, job->err, &errno_value);
      napi_set_named_property(env, error, "errno", errno_value);
    }
    napi_reject_deferred(env, job->deferred, error);
  }
  napi_delete_async_work(env, job->work);
  free(job);
}

/* openSegment(socketPath, timeoutMs): Promise<{buffer, id}>, off the main thread */
static napi_value open_segment(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2], promise, name;
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  open_job_t *job = calloc(1, sizeof *job);
  if (!job)
    return throw_errno(env, "statseg: calloc", ENOMEM);
  if (argc < 1 || arg_string(env, argv[0], job->path, sizeof job->path)) {
    free(job);
    napi_throw_type_error(env, NULL, "openSegment: a socket path of at most 107 bytes");
    return NULL;
  }
  int32_t timeout = 1000;
  if (argc > 1)
    napi_get_value_int32(env, argv[1], &timeout);
  job->timeout_ms = timeout;
  CHECK(napi_create_promise(env, &job->deferred, &promise));
  CHECK(napi_create_string_utf8(env, "statseg.open", NAPI_AUTO_LENGTH, &name));
  CHECK(napi_create_async_work(env, NULL, name, open_execute, open_complete, job,
                               &job->work));
  CHECK(napi_queue_async_work(env, job->work));
  return promise;
}

/* unmap(id, buffer): detach the ArrayBuffer, then release the mapping */
static napi_value unmap(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  double id = 0;
  if (argc < 1 || napi_get_value_double(env, argv[0], &id) != napi_ok) {
    napi_throw_type_error(env, NULL, "unmap: a mapping id");
    return NULL;
  }
  if (argc > 1) {
    bool detachable = false;
    napi_is_detached_arraybuffer(env, argv[1], &detachable);
    if (!detachable)
      napi_detach_arraybuffer(env, argv[1]);
  }
  mapping_t *m = take_mapping((uintptr_t)id);
  if (m) {
    munmap(m->addr, m->size);
    free(m);
  }
  return NULL;
}

/* ---------------------------------------------------------- writer side */

/* createSegment(name, size): {buffer, id, fd}, a memfd mapped read-write */
static napi_value create_segment(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  char name[64];
  double size = 0;
  if (argc < 2 || arg_string(env, argv[0], name, sizeof name) ||
      napi_get_value_double(env, argv[1], &size) != napi_ok || size <= 0) {
    napi_throw_type_error(env, NULL, "createSegment: a name and a size");
    return NULL;
  }
  int fd = memfd_create(name, MFD_CLOEXEC);
  if (fd < 0)
    return throw_errno(env, "memfd_create", errno);
  if (ftruncate(fd, (off_t)size) < 0) {
    int err = errno;
    close(fd);
    return throw_errno(env, "ftruncate", err);
  }
  void *addr = mmap(NULL, (size_t)size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
  if (addr == MAP_FAILED) {
    int err = errno;
    close(fd);
    return throw_errno(env, "mmap", err);
  }
  napi_value result = wrap_mapping(env, addr, (size_t)size);
  if (!result) {
    close(fd);
    return NULL;
  }
  napi_value fd_value;
  CHECK(napi_create_int32(env, fd, &fd_value));
  CHECK(napi_set_named_property(env, result, "fd", fd_value));
  return result;
}

/* closeFd(fd) */
static napi_value close_fd(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  int32_t fd = -1;
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  if (argc < 1 || napi_get_value_int32(env, argv[0], &fd) != napi_ok || fd < 0) {
    napi_throw_type_error(env, NULL, "closeFd: a descriptor");
    return NULL;
  }
  if (close(fd) < 0)
    return throw_errno(env, "close", errno);
  return NULL;
}

/* A listening socket served from the event loop: each client gets `fd`. */
typedef struct {
  uv_poll_t poll;
  int listen_fd;
  int segment_fd;
} server_t;

static void send_fd(int s, int fd) {
  char byte = 0;
  struct iovec io = {.iov_base = &byte, .iov_len = 1};
  union {
    char buf[CMSG_SPACE(sizeof(int))];
    struct cmsghdr align;
  } u;
  memset(&u, 0, sizeof u);
  struct msghdr msg = {.msg_iov = &io,
                       .msg_iovlen = 1,
                       .msg_control = u.buf,
                       .msg_controllen = sizeof u.buf};
  struct cmsghdr *c = CMSG_FIRSTHDR(&msg);
  c->cmsg_level = SOL_SOCKET;
  c->cmsg_type = SCM_RIGHTS;
  c->cmsg_len = CMSG_LEN(sizeof(int));
  memcpy(CMSG_DATA(c), &fd, sizeof(int));
  /* a client gone already is its own business */
  (void)sendmsg(s, &msg, MSG_NOSIGNAL | MSG_DONTWAIT);
}

static void on_listen_readable(uv_poll_t *handle, int status, int events) {
  (void)events;
  server_t *srv = handle->data;
  if (status < 0)
    return;
  for (;;) {
    int s = accept4(srv->listen_fd, NULL, NULL, SOCK_CLOEXEC);
    if (s < 0)
      return; /* EAGAIN: all served */
    send_fd(s, srv->segment_fd);
    close(s);
  }
}

/* the handle stays allocated (a few bytes): a second stopServing must find it */
static void on_server_closed(uv_handle_t *handle) {
  server_t *srv = handle->data;
  close(srv->listen_fd);
  srv->listen_fd = -1;
}

/* serveSegment(socketPath, fd): a handle for stopServing; the path must not exist */
static napi_value serve_segment(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  struct sockaddr_un un = {.sun_family = AF_UNIX};
  int32_t fd = -1;
  if (argc < 2 || arg_string(env, argv[0], un.sun_path, sizeof un.sun_path) ||
      napi_get_value_int32(env, argv[1], &fd) != napi_ok || fd < 0) {
    napi_throw_type_error(env, NULL, "serveSegment: a socket path and a descriptor");
    return NULL;
  }
  int s = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (s < 0)
    return throw_errno(env, "socket", errno);
  if (bind(s, (struct sockaddr *)&un, sizeof un) < 0 || listen(s, 64) < 0) {
    int err = errno;
    close(s);
    char what[160];
    snprintf(what, sizeof what, "listen on %s", un.sun_path);
    return throw_errno(env, what, err);
  }
  uv_loop_t *loop;
  CHECK(napi_get_uv_event_loop(env, &loop));
  server_t *srv = calloc(1, sizeof *srv);
  if (!srv) {
    close(s);
    return throw_errno(env, "calloc", ENOMEM);
  }
  srv->listen_fd = s;
  srv->segment_fd = fd;
  srv->poll.data = srv;
  if (uv_poll_init(loop, &srv->poll, s) != 0 ||
      uv_poll_start(&srv->poll, UV_READABLE, on_listen_readable) != 0) {
    close(s);
    free(srv);
    napi_throw_error(env, NULL, "serveSegment: uv_poll failed");
    return NULL;
  }
  uv_unref((uv_handle_t *)&srv->poll); /* serving never keeps a process alive */
  napi_value handle;
  CHECK(napi_create_external(env, srv, NULL, NULL, &handle));
  return handle;
}

/* stopServing(handle): stop accepting and close the listening socket */
static napi_value stop_serving(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  server_t *srv = NULL;
  if (argc < 1 || napi_get_value_external(env, argv[0], (void **)&srv) != napi_ok ||
      !srv) {
    napi_throw_type_error(env, NULL, "stopServing: a handle from serveSegment");
    return NULL;
  }
  if (srv->listen_fd >= 0 && !uv_is_closing((uv_handle_t *)&srv->poll)) {
    uv_poll_stop(&srv->poll);
    uv_close((uv_handle_t *)&srv->poll, on_server_closed);
  }
  return NULL;
}

/* ------------------------------------------------------------- module */

static napi_value init(napi_env env, napi_value exports) {
  napi_property_descriptor props[] = {
      {"openSegment", NULL, open_segment, NULL, NULL, NULL, napi_default, NULL},
      {"unmap", NULL, unmap, NULL, NULL, NULL, napi_default, NULL},
      {"createSegment", NULL, create_segment, NULL, NULL, NULL, napi_default, NULL},
      {"closeFd", NULL, close_fd, NULL, NULL, NULL, napi_default, NULL},
      {"serveSegment", NULL, serve_segment, NULL, NULL, NULL, napi_default, NULL},
      {"stopServing", NULL, stop_serving, NULL, NULL, NULL, napi_default, NULL},
  };
  if (napi_define_properties(env, exports, sizeof props / sizeof props[0], props) !=
      napi_ok)
    return NULL;
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, init)
