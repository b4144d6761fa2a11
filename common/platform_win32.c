/* platform_win32.c - the platform seam on Windows (the functions of platform_posix.c, with the
 * same contracts). Inside the program every text and path is UTF-8; at this edge paths become
 * UTF-16 for the wide Windows APIs, so that folders like D:\Khảo sát\Xã An Thạnh\ work whatever
 * the PC's "ANSI" code page. Windows has no fork, no signals and no mode bits: work "run
 * apart" runs in the command itself, Ctrl-C comes through a console handler, and private files
 * are protected by an access list naming their owner alone. */
#define WIN32_LEAN_AND_MEAN
#include <winsock2.h>
#include <windows.h>
#include <aclapi.h>
#include <sddl.h>
#include <shellapi.h>

#include <errno.h>
#include <fcntl.h>
#include <io.h>
#include <stdlib.h>
#include <string.h>

#include "ics_common.h"
#include "platform_private.h"

/* ---- UTF-8 and UTF-16 -------------------------------------------------------------------- */
/* path as UTF-16, allocated; NULL with errno (EINVAL: not UTF-8). */
static wchar_t *wide(const char *utf8) {
  int n = MultiByteToWideChar(CP_UTF8, MB_ERR_INVALID_CHARS, utf8, -1, NULL, 0);
  if (n <= 0) {
    errno = EINVAL;
    return NULL;
  }
  wchar_t *w = ics_malloc((size_t)n * sizeof *w);
  if (!w) return NULL;
  MultiByteToWideChar(CP_UTF8, MB_ERR_INVALID_CHARS, utf8, -1, w, n);
  return w;
}

/* w[0..len) (len < 0: up to its NUL) as UTF-8, allocated; NULL with errno. */
static char *narrow(const wchar_t *w, int len) {
  int n = WideCharToMultiByte(CP_UTF8, 0, w, len, NULL, 0, NULL, NULL);
  char *s = ics_malloc((size_t)(n > 0 ? n : 0) + 1);
  if (!s) return NULL;
  if (n > 0) WideCharToMultiByte(CP_UTF8, 0, w, len, s, n, NULL, NULL);
  s[n > 0 ? n : 0] = '\0';
  return s;
}

/* The last Windows error as errno. */
static int errno_from_windows(DWORD error) {
  switch (error) {
  case ERROR_FILE_NOT_FOUND:
  case ERROR_PATH_NOT_FOUND:
  case ERROR_INVALID_NAME:
  case ERROR_BAD_NETPATH:
  case ERROR_INVALID_DRIVE:
    return ENOENT;
  case ERROR_ACCESS_DENIED:
  case ERROR_SHARING_VIOLATION:
  case ERROR_LOCK_VIOLATION:
  case ERROR_WRITE_PROTECT:
    return EACCES;
  case ERROR_FILE_EXISTS:
  case ERROR_ALREADY_EXISTS:
    return EEXIST;
  case ERROR_NOT_ENOUGH_MEMORY:
  case ERROR_OUTOFMEMORY:
    return ENOMEM;
  case ERROR_DISK_FULL:
  case ERROR_HANDLE_DISK_FULL:
    return ENOSPC;
  case ERROR_DIRECTORY:
    return ENOTDIR;
  case ERROR_FILENAME_EXCED_RANGE:
    return ENAMETOOLONG;
  case ERROR_TOO_MANY_OPEN_FILES:
    return EMFILE;
  case ERROR_BAD_NET_NAME:
    return ENOENT;
  case ERROR_DIR_NOT_EMPTY:
    return ENOTEMPTY;
  default:
    return EIO;
  }
}

static void set_errno_from_windows(void) { errno = errno_from_windows(GetLastError()); }

/* ---- the program's start ------------------------------------------------------------------ */
/* Output to a console. The C library hands a console the bytes it is given one by one through
 * the ANSI code page (wine's msvcrt does; Windows 7's console also mangles UTF-8 that arrives
 * in pieces), so Vietnamese would come out as "Nháº­p". When standard output or standard error
 * is a console, its descriptor is given one end of a pipe instead, and a thread writes what
 * comes out of the other end to the console as UTF-16 (WriteConsoleW), which every Windows
 * shows as it is. Both streams share the pipe when both are the console: their order is kept. */
static struct {
  HANDLE console;  /* the console the streams wrote to */
  HANDLE pipe;     /* the end the thread reads */
  HANDLE thread;
  bool fd[3];      /* which of the descriptors 1 and 2 go through the pipe */
  volatile LONG writing; /* the thread holds text it has read and not yet shown */
} relay;

static void write_console(const char *s, size_t n) {
  wchar_t w[4096 + 8];
  int len = n ? MultiByteToWideChar(CP_UTF8, 0, s, (int)n, w, sizeof w / sizeof *w) : 0;
  DWORD done;
  if (len > 0) WriteConsoleW(relay.console, w, (DWORD)len, &done, NULL);
}

static DWORD WINAPI relay_main(void *unused) {
  (void)unused;
  char buf[4096 + 4];
  size_t have = 0;
  for (;;) {
    DWORD n = 0;
    if (!ReadFile(relay.pipe, buf + have, 4096, &n, NULL) || n == 0) break;
    InterlockedExchange(&relay.writing, 1);
    have += n;
    /* whole characters only: a UTF-8 sequence cut by the pipe waits for its rest */
    size_t whole = have, start = have;
    while (start > 0 && have - start < 4 && ((unsigned char)buf[start - 1] & 0xC0) == 0x80) start--;
    if (start > 0) {
      unsigned char lead = (unsigned char)buf[start - 1];
      size_t need = lead >= 0xF0 ? 4 : lead >= 0xE0 ? 3 : lead >= 0xC0 ? 2 : 1;
      if (have - (start - 1) < need) whole = start - 1;
    }
    write_console(buf, whole);
    memmove(buf, buf + whole, have - whole);
    have -= whole;
    InterlockedExchange(&relay.writing, 0);
  }
  write_console(buf, have);
  return 0;
}

/* Before the console is read: everything written so far is on the screen, so that what the
 * person types follows the prompt (at most a second's wait). */
static void relay_drain(void) {
  if (!relay.thread) return;
  fflush(stdout);
  fflush(stderr);
  for (int i = 0; i < 1000; i++) {
    DWORD waiting = 0;
    if (!PeekNamedPipe(relay.pipe, NULL, 0, NULL, &waiting, NULL)) return;
    if (!waiting && !InterlockedCompareExchange(&relay.writing, 0, 0)) return;
    Sleep(1);
  }
}

/* At exit: what the streams hold goes through, then the pipe's end is closed (NUL takes the
 * descriptors' place, for anything written later) and the thread ends. */
static void relay_stop(void) {
  fflush(stdout);
  fflush(stderr);
  int nul = _open("NUL", _O_WRONLY);
  for (int fd = 1; fd <= 2; fd++)
    if (relay.fd[fd]) {
      if (nul >= 0) _dup2(nul, fd);
      else _close(fd);
    }
  if (nul >= 0) _close(nul);
  WaitForSingleObject(relay.thread, 5000);
}

static void relay_start(void) {
  DWORD mode;
  for (int fd = 1; fd <= 2; fd++)
    relay.fd[fd] = GetConsoleMode((HANDLE)_get_osfhandle(fd), &mode);
  int first = relay.fd[1] ? 1 : relay.fd[2] ? 2 : 0;
  HANDLE process = GetCurrentProcess(), write_end;
  if (!first || !DuplicateHandle(process, (HANDLE)_get_osfhandle(first), process, &relay.console, 0,
                                 FALSE, DUPLICATE_SAME_ACCESS)) {
    relay.fd[1] = relay.fd[2] = false;
    return;
  }
  bool piped = CreatePipe(&relay.pipe, &write_end, NULL, 0);
  int wfd = piped ? _open_osfhandle((intptr_t)write_end, _O_WRONLY | _O_TEXT) : -1;
  if (piped && wfd < 0) CloseHandle(write_end);
  relay.thread = wfd >= 0 ? CreateThread(NULL, 0, relay_main, NULL, 0, NULL) : NULL;
  if (!relay.thread) { /* the console as it was: readable where the code page allows */
    if (wfd >= 0) _close(wfd);
    if (piped) CloseHandle(relay.pipe);
    CloseHandle(relay.console);
    relay.fd[1] = relay.fd[2] = false;
    return;
  }
  fflush(stdout);
  fflush(stderr);
  for (int fd = 1; fd <= 2; fd++)
    if (relay.fd[fd]) {
      _dup2(wfd, fd);
      /* a child given the pipe would keep it open past this program's end */
      SetHandleInformation((HANDLE)_get_osfhandle(fd), HANDLE_FLAG_INHERIT, 0);
    }
  _close(wfd);
  /* a console shows each write at once; the pipe would otherwise make stdout fully buffered */
  if (relay.fd[1]) setvbuf(stdout, NULL, _IONBF, 0);
  atexit(relay_stop);
}

void ics_platform_init(int *argc, char ***argv) {
  /* the console reads and shows UTF-8 (input, and whatever bypasses the relay) */
  SetConsoleOutputCP(CP_UTF8);
  SetConsoleCP(CP_UTF8);
  relay_start();
  /* the arguments as typed (UTF-16), not as the ANSI code page could spell them */
  int n = 0;
  wchar_t **wargv = CommandLineToArgvW(GetCommandLineW(), &n);
  if (!wargv) return;
  char **args = ics_calloc((size_t)n + 1, sizeof *args);
  bool ok = args != NULL;
  for (int i = 0; ok && i < n; i++) ok = (args[i] = narrow(wargv[i], -1)) != NULL;
  LocalFree(wargv);
  if (!ok) return; /* out of memory this early: the arguments as the C library gave them */
  *argc = n;
  *argv = args; /* kept for the life of the program */
}

bool ics_read_line(FILE *in, char *buf, size_t size) {
  HANDLE h = (HANDLE)_get_osfhandle(_fileno(in));
  DWORD mode;
  if (h == INVALID_HANDLE_VALUE || !GetConsoleMode(h, &mode))
    return ics_stream_read_line(in, buf, size); /* a pipe or a file: bytes as they are */
  /* A console: read as UTF-16 (ReadFile in the UTF-8 code page loses what is not ASCII). */
  relay_drain();
  ics_buf line = {0};
  bool got = false;
  wchar_t w[257];
  DWORD kept = 0; /* a high surrogate whose pair comes with the next read */
  for (;;) {
    DWORD n = 0;
    if (!ReadConsoleW(h, w + kept, 256, &n, NULL) || n == 0) break; /* Ctrl-C, end */
    got = true;
    n += kept;
    kept = w[n - 1] >= 0xD800 && w[n - 1] <= 0xDBFF ? 1 : 0;
    char *piece = n > kept ? narrow(w, (int)(n - kept)) : ics_strdup("");
    if (piece) ics_buf_puts(&line, piece);
    else line.failed = true;
    ics_free(piece);
    if (kept) w[0] = w[n - 1];
    else if (w[n - 1] == L'\n') break;
  }
  if (!got || line.failed) {
    ics_buf_free(&line);
    return false;
  }
  size_t len = line.len;
  while (len && (line.data[len - 1] == '\n' || line.data[len - 1] == '\r')) len--;
  if (len && line.data[0] == 0x1a) len = 0; /* Ctrl-Z: Windows' end of input */
  if (len >= size) { /* too long: cut at a character's start */
    len = size - 1;
    while (len && ((unsigned char)line.data[len] & 0xC0) == 0x80) len--;
  }
  memcpy(buf, line.data, len);
  buf[len] = '\0';
  bool end = line.len && line.data[0] == 0x1a;
  ics_buf_free(&line);
  return !end;
}

/* ---- files and paths ---------------------------------------------------------------------- */
FILE *ics_fopen(const char *path, const char *mode) {
  wchar_t *wpath = wide(path), *wmode = wide(mode);
  FILE *f = wpath && wmode ? _wfopen(wpath, wmode) : NULL;
  int saved = errno;
  ics_free(wpath);
  ics_free(wmode);
  errno = saved;
  return f;
}

static bool ascii(const char *s) {
  for (; *s; s++)
    if ((unsigned char)*s >= 0x80) return false;
  return true;
}

char *ics_narrow_path(const char *path) {
  if (ascii(path)) return ics_strdup(path);
  wchar_t *w = wide(path);
  DWORD n = w ? GetShortPathNameW(w, NULL, 0) : 0;
  wchar_t *shorter = n ? ics_malloc(n * sizeof *shorter) : NULL;
  char *name = shorter && GetShortPathNameW(w, shorter, n) ? narrow(shorter, -1) : NULL;
  ics_free(w);
  ics_free(shorter);
  if (name && !ascii(name)) { /* the volume keeps no short names */
    ics_free(name);
    name = NULL;
  }
  if (!name) errno = EILSEQ;
  return name;
}

int ics_remove_file(const char *path) {
  wchar_t *w = wide(path);
  if (!w) return -1;
  BOOL ok = DeleteFileW(w);
  if (!ok) set_errno_from_windows();
  ics_free(w);
  return ok ? 0 : -1;
}

static DWORD attributes(const char *path) {
  wchar_t *w = wide(path);
  DWORD a = w ? GetFileAttributesW(w) : INVALID_FILE_ATTRIBUTES;
  if (a == INVALID_FILE_ATTRIBUTES && w) set_errno_from_windows();
  ics_free(w);
  return a;
}

bool ics_path_is_dir(const char *path) {
  DWORD a = attributes(path);
  return a != INVALID_FILE_ATTRIBUTES && (a & FILE_ATTRIBUTE_DIRECTORY);
}

bool ics_path_is_file(const char *path) {
  DWORD a = attributes(path);
  return a != INVALID_FILE_ATTRIBUTES && !(a & (FILE_ATTRIBUTE_DIRECTORY | FILE_ATTRIBUTE_DEVICE));
}

int ics_make_dir(const char *path) {
  wchar_t *w = wide(path);
  if (!w) return -1;
  BOOL ok = CreateDirectoryW(w, NULL);
  if (!ok) set_errno_from_windows();
  ics_free(w);
  return ok || (errno == EEXIST && ics_path_is_dir(path)) ? 0 : -1;
}

/* Opens an existing file for reading; a folder, a device (CON, NUL) or a pipe is refused
 * before anything is read (the handle's type is asked: names like "NUL" are not files). */
static ics_code open_regular_handle(const char *path, HANDLE *out) {
  wchar_t *w = wide(path);
  if (!w) return errno == ENOMEM ? ICS_E_NO_MEMORY : ICS_E_IO;
  DWORD a = GetFileAttributesW(w);
  if (a != INVALID_FILE_ATTRIBUTES && (a & FILE_ATTRIBUTE_DIRECTORY)) {
    ics_free(w);
    errno = EISDIR;
    return ICS_E_NOT_REGULAR;
  }
  HANDLE h = CreateFileW(w, GENERIC_READ, FILE_SHARE_READ | FILE_SHARE_WRITE | FILE_SHARE_DELETE,
                         NULL, OPEN_EXISTING, FILE_ATTRIBUTE_NORMAL, NULL);
  if (h == INVALID_HANDLE_VALUE) set_errno_from_windows();
  ics_free(w);
  if (h == INVALID_HANDLE_VALUE) return errno == ENOENT ? ICS_E_NOT_FOUND : ICS_E_IO;
  if (GetFileType(h) != FILE_TYPE_DISK) {
    CloseHandle(h);
    errno = EINVAL;
    return ICS_E_NOT_REGULAR;
  }
  *out = h;
  return ICS_OK;
}

/* A C file descriptor owning h (closing it closes h); -1 with errno. */
static int descriptor(HANDLE h, int flags) {
  int fd = _open_osfhandle((intptr_t)h, flags | _O_BINARY);
  if (fd < 0) {
    CloseHandle(h);
    errno = EMFILE;
  }
  return fd;
}

ics_code ics_read_head(const char *path, void *buf, size_t cap, size_t *n) {
  *n = 0;
  HANDLE h;
  ics_code status = open_regular_handle(path, &h);
  if (status != ICS_OK) return status;
  while (*n < cap) {
    DWORD k = 0;
    DWORD want = cap - *n > 1u << 30 ? 1u << 30 : (DWORD)(cap - *n);
    if (!ReadFile(h, (char *)buf + *n, want, &k, NULL)) {
      set_errno_from_windows();
      status = ICS_E_IO;
      break;
    }
    if (k == 0) break;
    *n += k;
  }
  int saved = errno;
  CloseHandle(h);
  errno = saved;
  return status;
}

ics_code ics_open_regular(const char *path, FILE **out) {
  *out = NULL;
  HANDLE h;
  ics_code status = open_regular_handle(path, &h);
  if (status != ICS_OK) return status;
  int fd = descriptor(h, _O_RDONLY);
  if (fd < 0) return ICS_E_IO;
  *out = _fdopen(fd, "rb");
  if (!*out) {
    _close(fd);
    return ICS_E_NO_MEMORY;
  }
  return ICS_OK;
}

char *ics_path_join(const char *dir, const char *name) {
  ics_buf b = {0};
  ics_buf_puts(&b, dir);
  if (b.len && b.data[b.len - 1] != '/' && b.data[b.len - 1] != '\\') ics_buf_putc(&b, '\\');
  ics_buf_puts(&b, name);
  return ics_buf_take(&b);
}

char *ics_path_dir(const char *path, const char **base) {
  const char *slash = NULL;
  for (const char *p = path; *p; p++)
    if (*p == '/' || *p == '\\') slash = p;
  bool drive = path[0] && path[1] == ':'; /* "C:" names the drive's current folder */
  if (!slash) {
    *base = drive ? path + 2 : path;
    return drive ? ics_strndup(path, 2) : ics_strdup(".");
  }
  *base = slash + 1;
  size_t root = drive ? 3 : 1; /* "C:\" and "\" are folders of their own */
  size_t len = (size_t)(slash - path);
  return ics_strndup(path, len + 1 <= root ? root : len);
}

char *ics_executable_path(void) {
  for (DWORD cap = 260; cap <= 32768; cap *= 2) {
    wchar_t *w = ics_malloc(cap * sizeof *w);
    if (!w) return NULL;
    DWORD n = GetModuleFileNameW(NULL, w, cap);
    char *path = n > 0 && n < cap ? narrow(w, (int)n) : NULL;
    ics_free(w);
    if (path || n == 0) return path;
  }
  return NULL;
}

char **ics_list_dir(const char *dir, const char *suffix, size_t *count) {
  *count = 0;
  char *pattern = ics_path_join(dir, "*");
  wchar_t *w = pattern ? wide(pattern) : NULL;
  ics_free(pattern);
  if (!w) return NULL;
  WIN32_FIND_DATAW found;
  HANDLE find = FindFirstFileW(w, &found);
  ics_free(w);
  char **names = ics_calloc(1, sizeof *names);
  if (find == INVALID_HANDLE_VALUE) {
    DWORD error = GetLastError();
    if (error == ERROR_FILE_NOT_FOUND && names) return names; /* an empty folder */
    errno = names ? errno_from_windows(error) : ENOMEM;
    ics_free(names);
    return NULL;
  }
  size_t cap = 1, slen = strlen(suffix);
  bool ok = names != NULL;
  int failure = ENOMEM;
  do {
    if (found.dwFileAttributes & (FILE_ATTRIBUTE_DIRECTORY | FILE_ATTRIBUTE_DEVICE)) continue;
    char *name = narrow(found.cFileName, -1);
    if (!name) {
      ok = false;
      break;
    }
    size_t len = strlen(name);
    /* Windows' names ignore case: A.KIT is a .kit file */
    if (name[0] == '.' || len < slen || _stricmp(name + len - slen, suffix)) {
      ics_free(name);
      continue;
    }
    if (*count + 1 >= cap) {
      char **grown = ics_realloc(names, cap * 2 * sizeof *names);
      if (!grown) {
        ics_free(name);
        ok = false;
        break;
      }
      names = grown;
      cap *= 2;
    }
    names[(*count)++] = name;
  } while (ok && FindNextFileW(find, &found));
  if (ok && GetLastError() != ERROR_NO_MORE_FILES) { /* never a list cut short taken as whole */
    ok = false;
    failure = errno_from_windows(GetLastError());
  }
  FindClose(find);
  if (!ok) {
    for (size_t i = 0; names && i < *count; i++) ics_free(names[i]);
    ics_free(names);
    *count = 0;
    errno = failure;
    return NULL;
  }
  names[*count] = NULL;
  ics_sort_names(names, *count);
  return names;
}

uint64_t ics_clock_ms(void) {
  FILETIME ft;
  GetSystemTimeAsFileTime(&ft); /* 100 ns since 1601 */
  uint64_t t = (uint64_t)ft.dwHighDateTime << 32 | ft.dwLowDateTime;
  return (t - 116444736000000000ull) / 10000u;
}

char *ics_path_resolve(const char *path) {
  wchar_t *w = wide(path);
  if (!w) return NULL;
  HANDLE h = CreateFileW(w, 0, FILE_SHARE_READ | FILE_SHARE_WRITE | FILE_SHARE_DELETE, NULL,
                         OPEN_EXISTING, FILE_FLAG_BACKUP_SEMANTICS, NULL);
  ics_free(w);
  if (h == INVALID_HANDLE_VALUE) {
    set_errno_from_windows();
    return NULL;
  }
  /* the final path, through links, as \\?\C:\...; the prefix is dropped for messages */
  wchar_t buf[32768];
  DWORD n = GetFinalPathNameByHandleW(h, buf, sizeof buf / sizeof *buf, FILE_NAME_NORMALIZED);
  CloseHandle(h);
  if (n == 0 || n >= sizeof buf / sizeof *buf) {
    errno = EIO;
    return NULL;
  }
  const wchar_t *p = buf;
  if (!wcsncmp(p, L"\\\\?\\UNC\\", 8)) {
    p += 6;
    buf[6] = L'\\'; /* \\?\UNC\server\share -> \\server\share */
  } else if (!wcsncmp(p, L"\\\\?\\", 4) && p[4] && p[5] == L':') { /* not \\?\Volume{...} */
    p += 4;
  }
  return narrow(p, -1);
}

/* Volume and file index of an existing path (a folder too). */
static bool file_identity(const char *path, BY_HANDLE_FILE_INFORMATION *info) {
  wchar_t *w = wide(path);
  HANDLE h = w ? CreateFileW(w, 0, FILE_SHARE_READ | FILE_SHARE_WRITE | FILE_SHARE_DELETE, NULL,
                             OPEN_EXISTING, FILE_FLAG_BACKUP_SEMANTICS, NULL)
               : INVALID_HANDLE_VALUE;
  ics_free(w);
  if (h == INVALID_HANDLE_VALUE) return false;
  bool ok = GetFileInformationByHandle(h, info);
  CloseHandle(h);
  return ok;
}

bool ics_same_file(const char *a, const char *b) {
  BY_HANDLE_FILE_INFORMATION ia, ib;
  return file_identity(a, &ia) && file_identity(b, &ib) &&
         ia.dwVolumeSerialNumber == ib.dwVolumeSerialNumber &&
         ia.nFileIndexHigh == ib.nFileIndexHigh && ia.nFileIndexLow == ib.nFileIndexLow;
}

/* ---- private files: an access list naming the owner alone ----------------------------------
 * Where POSIX checks mode bits, Windows checks the file's access list: a file is open to others
 * when an entry allowing `rights` names someone other than its owner, the user running the
 * program, SYSTEM or the Administrators (who can take any file anyway, as root can). */
typedef struct {
  PSID user;                 /* the user running the program */
  char token_user[128];      /* its storage */
  PACL acl;                  /* the user alone, all rights, not inherited */
  SECURITY_DESCRIPTOR sd;
  SECURITY_ATTRIBUTES sa;
} owner_only;

static bool current_user(owner_only *o) {
  HANDLE token;
  if (!OpenProcessToken(GetCurrentProcess(), TOKEN_QUERY, &token)) return false;
  DWORD n = 0;
  bool ok = GetTokenInformation(token, TokenUser, o->token_user, sizeof o->token_user, &n);
  CloseHandle(token);
  if (ok) o->user = ((TOKEN_USER *)(void *)o->token_user)->User.Sid;
  return ok;
}

/* Security attributes that give a new file or folder to the current user alone. */
static bool owner_only_begin(owner_only *o) {
  memset(o, 0, sizeof *o);
  if (!current_user(o)) return false;
  EXPLICIT_ACCESSW entry = {0};
  entry.grfAccessPermissions = GENERIC_ALL;
  entry.grfAccessMode = SET_ACCESS;
  entry.grfInheritance = SUB_CONTAINERS_AND_OBJECTS_INHERIT;
  entry.Trustee.TrusteeForm = TRUSTEE_IS_SID;
  entry.Trustee.TrusteeType = TRUSTEE_IS_USER;
  entry.Trustee.ptstrName = (LPWSTR)o->user;
  if (SetEntriesInAclW(1, &entry, NULL, &o->acl) != ERROR_SUCCESS) return false;
  if (!InitializeSecurityDescriptor(&o->sd, SECURITY_DESCRIPTOR_REVISION) ||
      !SetSecurityDescriptorDacl(&o->sd, TRUE, o->acl, FALSE) ||
      !SetSecurityDescriptorControl(&o->sd, SE_DACL_PROTECTED, SE_DACL_PROTECTED)) {
    LocalFree(o->acl);
    o->acl = NULL;
    return false;
  }
  o->sa = (SECURITY_ATTRIBUTES){sizeof o->sa, &o->sd, FALSE};
  return true;
}

static void owner_only_end(owner_only *o) {
  if (o->acl) LocalFree(o->acl);
  o->acl = NULL;
}

static bool trusted_sid(PSID sid, PSID owner, PSID user) {
  if ((owner && EqualSid(sid, owner)) || (user && EqualSid(sid, user))) return true;
  static const WELL_KNOWN_SID_TYPE trusted[] = {WinLocalSystemSid, WinBuiltinAdministratorsSid,
                                                WinCreatorOwnerSid};
  for (size_t i = 0; i < sizeof trusted / sizeof *trusted; i++)
    if (IsWellKnownSid(sid, trusted[i])) return true;
  return false;
}

/* Whether the access list of h lets others than its owner have any of `rights`. */
static bool handle_open_to_others(HANDLE h, DWORD rights) {
  PSID owner = NULL;
  PACL dacl = NULL;
  PSECURITY_DESCRIPTOR sd = NULL;
  if (GetSecurityInfo(h, SE_FILE_OBJECT, OWNER_SECURITY_INFORMATION | DACL_SECURITY_INFORMATION,
                      &owner, NULL, &dacl, NULL, &sd) != ERROR_SUCCESS)
    return false; /* a file system without access lists (FAT on a USB stick): nothing to check */
  owner_only me;
  memset(&me, 0, sizeof me);
  current_user(&me);
  bool open = dacl == NULL; /* no list at all: everyone may do anything */
  for (DWORD i = 0; !open && i < dacl->AceCount; i++) {
    ACE_HEADER *ace;
    if (!GetAce(dacl, i, (void **)&ace) || ace->AceType != ACCESS_ALLOWED_ACE_TYPE) continue;
    if (ace->AceFlags & INHERIT_ONLY_ACE) continue;
    ACCESS_ALLOWED_ACE *allowed = (ACCESS_ALLOWED_ACE *)ace;
    PSID sid = (PSID)&allowed->SidStart;
    ACCESS_MASK mask = allowed->Mask;
    GENERIC_MAPPING files = {FILE_GENERIC_READ, FILE_GENERIC_WRITE, FILE_GENERIC_EXECUTE, FILE_ALL_ACCESS};
    MapGenericMask(&mask, &files);
    if ((mask & rights) &&
        !trusted_sid(sid, owner, me.user))
      open = true;
  }
  LocalFree(sd);
  return open;
}

static bool path_open_to_others(const char *path, DWORD rights) {
  wchar_t *w = wide(path);
  HANDLE h = w ? CreateFileW(w, READ_CONTROL, FILE_SHARE_READ | FILE_SHARE_WRITE | FILE_SHARE_DELETE,
                             NULL, OPEN_EXISTING, FILE_FLAG_BACKUP_SEMANTICS, NULL)
               : INVALID_HANDLE_VALUE;
  ics_free(w);
  if (h == INVALID_HANDLE_VALUE) return false;
  bool open = handle_open_to_others(h, rights);
  CloseHandle(h);
  return open;
}

enum {
  FILE_READ_OR_WRITE = FILE_READ_DATA | FILE_WRITE_DATA | FILE_APPEND_DATA,
  FOLDER_CHANGE = FILE_ADD_FILE | FILE_ADD_SUBDIRECTORY | FILE_DELETE_CHILD,
};

bool ics_dir_open_to_others(const char *path) { return path_open_to_others(path, FOLDER_CHANGE); }

int ics_make_private_dir(const char *path) {
  owner_only o;
  wchar_t *w = wide(path);
  if (!w) return -1;
  bool made = owner_only_begin(&o) && CreateDirectoryW(w, &o.sa);
  if (!made) set_errno_from_windows();
  owner_only_end(&o);
  ics_free(w);
  return made || (errno == EEXIST && ics_path_is_dir(path)) ? 0 : -1;
}

int ics_write_private_file(const char *path, const void *data, size_t size) {
  owner_only o;
  wchar_t *w = wide(path);
  if (!w) return -1;
  HANDLE h = owner_only_begin(&o) ? CreateFileW(w, GENERIC_WRITE, 0, &o.sa, CREATE_NEW,
                                                FILE_ATTRIBUTE_NORMAL, NULL)
                                  : INVALID_HANDLE_VALUE;
  if (h == INVALID_HANDLE_VALUE) set_errno_from_windows();
  owner_only_end(&o);
  bool ok = h != INVALID_HANDLE_VALUE;
  const char *p = data;
  while (ok && size) {
    DWORD k = 0;
    ok = WriteFile(h, p, size > 1u << 30 ? 1u << 30 : (DWORD)size, &k, NULL);
    p += k;
    size -= k;
  }
  if (ok) ok = FlushFileBuffers(h);
  if (!ok && h != INVALID_HANDLE_VALUE) set_errno_from_windows();
  if (h != INVALID_HANDLE_VALUE && !CloseHandle(h) && ok) {
    set_errno_from_windows();
    ok = false;
  }
  if (!ok && h != INVALID_HANDLE_VALUE) {
    int saved = errno;
    DeleteFileW(w);
    errno = saved;
  }
  ics_free(w);
  return ok ? 0 : -1;
}

int ics_make_private(const char *path) {
  if (!path_open_to_others(path, FILE_READ_OR_WRITE)) return ics_path_is_file(path) ? 0 : -1;
  owner_only o;
  wchar_t *w = wide(path);
  DWORD rc = w && owner_only_begin(&o)
                 ? SetNamedSecurityInfoW(w, SE_FILE_OBJECT,
                                         DACL_SECURITY_INFORMATION | PROTECTED_DACL_SECURITY_INFORMATION,
                                         NULL, NULL, o.acl, NULL)
                 : ERROR_NOT_ENOUGH_MEMORY;
  if (w) owner_only_end(&o);
  ics_free(w);
  if (rc != ERROR_SUCCESS) {
    errno = errno_from_windows(rc);
    return -1;
  }
  return 0;
}

ics_code ics_read_private_file(const char *path, char *buf, size_t cap, size_t *size,
                               bool *open_to_others, unsigned *mode) {
  (void)mode; /* Windows has no permission bits to show */
  *size = 0;
  *open_to_others = false;
  if (ics_path_is_dir(path)) {
    errno = EISDIR;
    return ICS_E_NOT_REGULAR;
  }
  wchar_t *w = wide(path);
  if (!w) return errno == ENOMEM ? ICS_E_NO_MEMORY : ICS_E_IO;
  HANDLE h = CreateFileW(w, GENERIC_READ | READ_CONTROL, FILE_SHARE_READ, NULL, OPEN_EXISTING,
                         FILE_ATTRIBUTE_NORMAL, NULL);
  if (h == INVALID_HANDLE_VALUE) set_errno_from_windows();
  ics_free(w);
  if (h == INVALID_HANDLE_VALUE) return errno == ENOENT ? ICS_E_NOT_FOUND : ICS_E_IO;
  ics_code status = ICS_OK;
  LARGE_INTEGER length;
  if (GetFileType(h) != FILE_TYPE_DISK) {
    errno = EINVAL;
    status = ICS_E_NOT_REGULAR;
  } else if (handle_open_to_others(h, FILE_READ_OR_WRITE)) {
    *open_to_others = true;
  } else if (!GetFileSizeEx(h, &length)) {
    set_errno_from_windows();
    status = ICS_E_IO;
  } else if ((uint64_t)length.QuadPart > cap) {
    *size = (size_t)length.QuadPart;
    status = ICS_E_TOO_LARGE;
  } else {
    DWORD k = 1;
    while (*size < cap && k > 0) {
      if (!ReadFile(h, buf + *size, (DWORD)(cap - *size), &k, NULL)) {
        set_errno_from_windows();
        status = ICS_E_IO;
        break;
      }
      *size += k;
    }
  }
  int saved = errno;
  CloseHandle(h);
  errno = saved;
  return status;
}

/* ---- outputs through a temporary file ---------------------------------------------------- */
/* This machine's name as it goes into temporary file names. */
static void host_tag(char out[33]) {
  char host[MAX_COMPUTERNAME_LENGTH + 1] = "";
  DWORD n = sizeof host;
  if (!GetComputerNameA(host, &n)) host[0] = '\0';
  ics_host_tag(host, out);
}

static bool process_alive(DWORD pid) {
  HANDLE p = OpenProcess(SYNCHRONIZE, FALSE, pid);
  if (!p) return GetLastError() != ERROR_INVALID_PARAMETER; /* no such process */
  bool alive = WaitForSingleObject(p, 0) == WAIT_TIMEOUT;
  CloseHandle(p);
  return alive;
}

/* Removes BASE.tmp-HOST-PID-XXXXXX files a killed run on this machine left (see POSIX). */
static void remove_stale(const char *path, const char *host) {
  const char *base;
  char *dir = ics_path_dir(path, &base);
  ics_buf prefix = {0};
  ics_buf_printf(&prefix, "%s.tmp-%s-", base, host);
  size_t count = 0;
  char **names = dir && !prefix.failed ? ics_list_dir(dir, "", &count) : NULL;
  for (size_t i = 0; i < count; i++) {
    const char *name = names[i];
    char *end;
    unsigned long pid = strncmp(name, prefix.data, prefix.len) ? 0 : strtoul(name + prefix.len, &end, 10);
    if (pid && *end == '-' && strlen(end + 1) == 6 && pid != GetCurrentProcessId() &&
        !process_alive((DWORD)pid)) {
      char *stale = ics_path_join(dir, name);
      if (stale) ics_remove_file(stale);
      ics_free(stale);
    }
  }
  for (size_t i = 0; i < count; i++) ics_free(names[i]);
  ics_free(names);
  ics_buf_free(&prefix);
  ics_free(dir);
}

int ics_output_begin(ics_output *o, const char *path) {
  o->tmp = NULL;
  o->fd = -1;
  DWORD a = attributes(path);
  if (a != INVALID_FILE_ATTRIBUTES && (a & FILE_ATTRIBUTE_READONLY)) { /* not to be replaced */
    o->path = NULL;
    errno = EACCES;
    return -1;
  }
  /* a link is written where it points */
  o->path = a != INVALID_FILE_ATTRIBUTES && (a & FILE_ATTRIBUTE_REPARSE_POINT) ? ics_path_resolve(path) : NULL;
  if (!o->path) o->path = ics_strdup(path); /* not a link, or one that leads nowhere */
  if (!o->path) {
    errno = ENOMEM;
    return -1;
  }
  char host[33];
  host_tag(host);
  remove_stale(o->path, host);
  /* a new name until one is free: the suffix from the clock and a counter */
  static unsigned counter;
  HANDLE h = INVALID_HANDLE_VALUE;
  for (int attempt = 0; attempt < 100 && h == INVALID_HANDLE_VALUE; attempt++) {
    ics_free(o->tmp);
    ics_buf b = {0};
    unsigned suffix = (unsigned)(GetTickCount() * 2654435761u + ++counter * 40503u) % 1000000u;
    ics_buf_printf(&b, "%s.tmp-%s-%lu-%06u", o->path, host, (unsigned long)GetCurrentProcessId(), suffix);
    o->tmp = ics_buf_take(&b);
    wchar_t *w = o->tmp ? wide(o->tmp) : NULL;
    if (!w) break;
    /* shared: a library may open the file again by its name (libxlsxwriter does) */
    h = CreateFileW(w, GENERIC_READ | GENERIC_WRITE, FILE_SHARE_READ | FILE_SHARE_WRITE | FILE_SHARE_DELETE,
                    NULL, CREATE_NEW, FILE_ATTRIBUTE_NORMAL, NULL);
    if (h == INVALID_HANDLE_VALUE) set_errno_from_windows();
    ics_free(w);
    if (h == INVALID_HANDLE_VALUE && errno != EEXIST) break;
  }
  if (h != INVALID_HANDLE_VALUE && (o->fd = descriptor(h, _O_RDWR)) < 0) {
    int saved = errno;
    ics_remove_file(o->tmp); /* nothing created after all */
    errno = saved;
  }
  if (o->fd < 0) {
    int saved = o->tmp ? errno : ENOMEM;
    ics_free(o->tmp);
    o->tmp = NULL;
    ics_output_end(o);
    errno = saved;
    return -1;
  }
  return 0;
}

int ics_output_write(ics_output *o, const void *p, size_t n) {
  const char *at = p;
  while (n) {
    int k = _write(o->fd, at, n > 1u << 30 ? 1u << 30 : (unsigned)n);
    if (k < 0) return -1;
    at += k;
    n -= (size_t)k;
  }
  return 0;
}

int ics_output_commit(ics_output *o) {
  wchar_t *wtmp = wide(o->tmp), *wpath = wide(o->path);
  int fd = o->fd;
  o->fd = -1;
  bool ok = wtmp && wpath;
  if (fd >= 0) {
    if (ok) ok = FlushFileBuffers((HANDLE)_get_osfhandle(fd));
    if (!ok) set_errno_from_windows();
    if (_close(fd) != 0) ok = false;
  } else if (ok) { /* the caller closed it (fclose): write it through once more */
    HANDLE h = CreateFileW(wtmp, GENERIC_WRITE, 0, NULL, OPEN_EXISTING, FILE_ATTRIBUTE_NORMAL, NULL);
    ok = h != INVALID_HANDLE_VALUE && FlushFileBuffers(h);
    if (!ok) set_errno_from_windows();
    if (h != INVALID_HANDLE_VALUE) CloseHandle(h);
  }
  /* the atomic replace; WRITE_THROUGH: done when the rename is on the disk */
  if (ok && MoveFileExW(wtmp, wpath, MOVEFILE_REPLACE_EXISTING | MOVEFILE_WRITE_THROUGH)) {
    ics_free(wtmp);
    ics_free(wpath);
    ics_free(o->tmp);
    o->tmp = NULL;
    return 0;
  }
  if (ok) set_errno_from_windows();
  int saved = errno;
  if (wtmp) DeleteFileW(wtmp);
  ics_free(wtmp);
  ics_free(wpath);
  ics_free(o->tmp);
  o->tmp = NULL;
  errno = saved;
  return -1;
}

void ics_output_end(ics_output *o) {
  if (o->fd >= 0) _close(o->fd);
  o->fd = -1;
  if (o->tmp) ics_remove_file(o->tmp);
  ics_free(o->tmp);
  ics_free(o->path);
  o->tmp = o->path = NULL;
}

/* ---- work run apart: in the command itself (Windows has no fork) ---------------------------- */
void *ics_shared_alloc(size_t size) {
  void *p = VirtualAlloc(NULL, size, MEM_COMMIT | MEM_RESERVE, PAGE_READWRITE); /* zeroed */
  if (!p) errno = ENOMEM;
  return p;
}

void ics_shared_free(void *p, size_t size) {
  (void)size;
  if (p) VirtualFree(p, 0, MEM_RELEASE);
}

/* While work runs apart, stderr (descriptor 2) is this temporary file, as a child's stderr is
 * on POSIX: libraries that only complain there (libxlsxwriter) are heard, and what they said is
 * handed back. Deleted when closed. */
static int said_fd = -1;

static int open_said_file(void) {
  wchar_t dir[MAX_PATH + 1], name[MAX_PATH + 1];
  DWORD n = GetTempPathW(MAX_PATH + 1, dir);
  if (n == 0 || n > MAX_PATH || !GetTempFileNameW(dir, L"ics", 0, name)) return -1;
  HANDLE h = CreateFileW(name, GENERIC_READ | GENERIC_WRITE, FILE_SHARE_READ | FILE_SHARE_WRITE, NULL,
                         CREATE_ALWAYS, FILE_ATTRIBUTE_TEMPORARY | FILE_FLAG_DELETE_ON_CLOSE, NULL);
  if (h == INVALID_HANDLE_VALUE) {
    DeleteFileW(name);
    return -1;
  }
  return descriptor(h, _O_RDWR);
}

int ics_run_apart(int (*work)(void *ctx), void *ctx, ics_apart_outcome *out) {
  *out = (ics_apart_outcome){0};
  fflush(stderr);
  int saved = _dup(2), file = saved >= 0 ? open_said_file() : -1;
  if (file >= 0 && _dup2(file, 2) == 0) said_fd = file;
  out->status = work(ctx); /* in the command itself: Windows has no fork */
  out->returned = true;
  fflush(stderr);
  if (said_fd >= 0) {
    _dup2(saved, 2);
    long len = _lseek(file, 0, SEEK_END);
    if (len > 0 && _lseek(file, 0, SEEK_SET) == 0 && (out->said = ics_malloc((size_t)len + 1))) {
      int n = _read(file, out->said, (unsigned)len);
      out->said_len = n > 0 ? (size_t)n : 0;
      out->said[out->said_len] = '\0';
    }
    said_fd = -1;
  }
  if (file >= 0) _close(file);
  if (saved >= 0) _close(saved);
  return 0;
}

long ics_apart_said_mark(void) {
  if (said_fd < 0) return -1;
  fflush(stderr);
  return _lseek(2, 0, SEEK_CUR);
}

bool ics_apart_said_since(long mark, char *line, size_t cap) {
  if (said_fd < 0 || mark < 0 || cap < 2) return false;
  fflush(stderr);
  long end = _lseek(2, 0, SEEK_CUR);
  if (end <= mark || _lseek(2, mark, SEEK_SET) != mark) return false;
  int n = _read(2, line, (unsigned)(cap - 1));
  _lseek(2, end, SEEK_SET);
  line[n > 0 ? n : 0] = '\0';
  line[strcspn(line, "\r\n")] = '\0';
  if (!line[0]) snprintf(line, cap, "?");
  return true;
}

/* ---- the terminal ------------------------------------------------------------------------- */
/* The console a stream writes to or reads from, through the relay too; NULL when it is none. */
static HANDLE console_of(FILE *stream) {
  int fd = stream ? _fileno(stream) : -1;
  if (fd == 1 || fd == 2) {
    if (relay.fd[fd]) return relay.console;
  }
  HANDLE h = fd >= 0 ? (HANDLE)_get_osfhandle(fd) : INVALID_HANDLE_VALUE;
  DWORD mode;
  return h != INVALID_HANDLE_VALUE && GetConsoleMode(h, &mode) ? h : NULL;
}

bool ics_is_terminal(FILE *stream) { return console_of(stream) != NULL; }

bool ics_terminal_size(FILE *stream, int *columns, int *rows) {
  CONSOLE_SCREEN_BUFFER_INFO info;
  HANDLE h = console_of(stream);
  if (!h || !GetConsoleScreenBufferInfo(h, &info)) return false;
  *columns = info.srWindow.Right - info.srWindow.Left + 1;
  *rows = info.srWindow.Bottom - info.srWindow.Top + 1;
  return *columns > 0 && *rows > 0;
}

static volatile LONG interrupted;
static HANDLE finished; /* set when the catching ends: the program has cleaned up */

/* Runs in a thread of its own: Ctrl-C, Ctrl-Break, the window closed, logoff, shutdown. A read
 * from the console in progress returns by itself. Windows ends the process as soon as this
 * returns for the last three, so then it waits (a few seconds at most, as Windows allows) for
 * the program to finish cleanly: the server stopped, the store closed. */
static BOOL WINAPI on_console_event(DWORD event) {
  InterlockedExchange(&interrupted, 1);
  if ((event == CTRL_CLOSE_EVENT || event == CTRL_LOGOFF_EVENT || event == CTRL_SHUTDOWN_EVENT) && finished)
    WaitForSingleObject(finished, 4000);
  return TRUE;
}

void ics_interrupt_catch(bool on) {
  if (on) {
    InterlockedExchange(&interrupted, 0);
    if (!finished) finished = CreateEventW(NULL, TRUE, FALSE, NULL);
    else ResetEvent(finished);
  } else if (finished) {
    SetEvent(finished);
  }
  SetConsoleCtrlHandler(on_console_event, on ? TRUE : FALSE);
}

bool ics_interrupted(void) { return InterlockedCompareExchange(&interrupted, 0, 0) != 0; }

void ics_interrupt_wait(void) {
  while (!ics_interrupted()) Sleep(100);
}

/* ---- the local web server's seams ------------------------------------------------------------ */
size_t ics_loopback_address(uint16_t port, void *out, size_t cap) {
  struct sockaddr_in sa;
  if (cap < sizeof sa) return 0;
  memset(&sa, 0, sizeof sa);
  sa.sin_family = AF_INET;
  sa.sin_port = htons(port);
  sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  memcpy(out, &sa, sizeof sa);
  return sizeof sa;
}

int ics_open_browser(const char *url) {
  wchar_t *w = wide(url);
  if (!w) return -1;
  /* the shell opens the default browser; its result is above 32 on success */
  INT_PTR rc = (INT_PTR)ShellExecuteW(NULL, L"open", w, NULL, NULL, SW_SHOWNORMAL);
  ics_free(w);
  if (rc <= 32) {
    errno = ENOENT;
    return -1;
  }
  return 0;
}

/* ---- text in other encodings: the Windows API ---------------------------------------------
 * Windows-1258 and 1252 are one byte per character, so any chunk converts on its own
 * (MultiByteToWideChar leaves Windows-1258's combining tone marks apart: values are put in NFC
 * later, as every answer is). UTF-16 is converted here: a unit or a surrogate pair cut by the
 * end of a chunk waits in `held`. */
struct ics_decoder {
  ics_encoding from;
  size_t consumed;          /* input bytes converted so far, for the offset of a bad one */
  unsigned char held[4];
  size_t held_len;
};

ics_decoder *ics_decoder_open(ics_encoding from) {
  ics_decoder *d = ics_calloc(1, sizeof *d);
  if (d) d->from = from;
  return d;
}

/* wide[0..n) as UTF-8 onto out; false when it holds a lone surrogate. */
static bool append_wide(ics_buf *out, const wchar_t *w, int n) {
  if (n == 0) return true;
  int len = WideCharToMultiByte(CP_UTF8, WC_ERR_INVALID_CHARS, w, n, NULL, 0, NULL, NULL);
  if (len <= 0) return false;
  char *tmp = ics_malloc((size_t)len);
  if (!tmp) {
    out->failed = true;
    return true;
  }
  WideCharToMultiByte(CP_UTF8, WC_ERR_INVALID_CHARS, w, n, tmp, len, NULL, NULL);
  ics_buf_append(out, tmp, (size_t)len);
  ics_free(tmp);
  return true;
}

static int decode_code_page(ics_decoder *d, const unsigned char *p, size_t n, ics_buf *out, size_t *bad) {
  UINT cp = d->from == ICS_ENC_WINDOWS_1258 ? 1258 : 1252;
  enum { STEP = 4096 };
  wchar_t w[STEP];
  for (size_t i = 0; i < n; i += STEP) {
    int m = (int)(n - i < STEP ? n - i : STEP);
    int got = MultiByteToWideChar(cp, MB_ERR_INVALID_CHARS, (const char *)p + i, m, w, STEP);
    if (got <= 0) { /* find the byte that is no character, for the message */
      for (int k = 0; k < m; k++)
        if (MultiByteToWideChar(cp, MB_ERR_INVALID_CHARS, (const char *)p + i + k, 1, w, 1) <= 0) {
          *bad = d->consumed + i + (size_t)k;
          return -1;
        }
      *bad = d->consumed + i;
      return -1;
    }
    append_wide(out, w, got);
  }
  d->consumed += n;
  return 0;
}

static int decode_utf16(ics_decoder *d, const unsigned char *p, size_t n, bool at_end, ics_buf *out,
                        size_t *bad) {
  bool be = d->from == ICS_ENC_UTF16BE;
  enum { STEP = 4096 };
  wchar_t w[STEP + 2];
  int k = 0;
  size_t i = 0;
  while (i < n || (d->held_len >= 2)) {
    /* the next unit, from what was held back and then the input */
    while (d->held_len < 2 && i < n) d->held[d->held_len++] = p[i++];
    if (d->held_len < 2) break;
    unsigned unit = be ? (unsigned)(d->held[0] << 8 | d->held[1]) : (unsigned)(d->held[1] << 8 | d->held[0]);
    if (unit >= 0xD800 && unit <= 0xDBFF) { /* a high surrogate: its pair must follow */
      while (d->held_len < 4 && i < n) d->held[d->held_len++] = p[i++];
      if (d->held_len < 4) break;
      unsigned low = be ? (unsigned)(d->held[2] << 8 | d->held[3]) : (unsigned)(d->held[3] << 8 | d->held[2]);
      if (low < 0xDC00 || low > 0xDFFF) {
        *bad = d->consumed;
        return -1;
      }
      w[k++] = (wchar_t)unit;
      w[k++] = (wchar_t)low;
      d->consumed += 4;
      d->held_len = 0;
    } else if (unit >= 0xDC00 && unit <= 0xDFFF) {
      *bad = d->consumed;
      return -1;
    } else {
      w[k++] = (wchar_t)unit;
      d->consumed += 2;
      d->held_len = 0;
    }
    if (k >= STEP) {
      append_wide(out, w, k);
      k = 0;
    }
  }
  append_wide(out, w, k);
  if (at_end && d->held_len > 0) {
    *bad = d->consumed;
    return -1;
  }
  return 0;
}

int ics_decoder_run(ics_decoder *d, const void *in, size_t n, bool at_end, ics_buf *out, size_t *bad) {
  const unsigned char *p = in;
  if (d->from == ICS_ENC_UTF8) { /* nothing to convert: validated later */
    ics_buf_append(out, in, n);
    d->consumed += n;
    return 0;
  }
  if (d->from == ICS_ENC_WINDOWS_1258 || d->from == ICS_ENC_WINDOWS_1252)
    return decode_code_page(d, p, n, out, bad);
  return decode_utf16(d, p, n, at_end, out, bad);
}

void ics_decoder_close(ics_decoder *d) { ics_free(d); }

/* ---- a second thread (Windows threads, a slim reader/writer lock and its condition) -------- */
struct ics_thread {
  HANDLE handle;
  void (*run)(void *arg);
  void *arg;
};

struct ics_lock {
  SRWLOCK lock;
  CONDITION_VARIABLE cond;
};

static DWORD WINAPI thread_main(LPVOID p) {
  ics_thread *t = p;
  t->run(t->arg);
  return 0;
}

int ics_thread_start(ics_thread **t, void (*run)(void *arg), void *arg) {
  ics_thread *n = ics_malloc(sizeof *n);
  if (!n) return -1;
  n->run = run;
  n->arg = arg;
  n->handle = CreateThread(NULL, 0, thread_main, n, 0, NULL);
  if (!n->handle) {
    ics_free(n);
    return -1;
  }
  *t = n;
  return 0;
}

void ics_thread_join(ics_thread *t) {
  WaitForSingleObject(t->handle, INFINITE);
  CloseHandle(t->handle);
  ics_free(t);
}

ics_lock *ics_lock_new(void) {
  ics_lock *l = ics_malloc(sizeof *l);
  if (!l) return NULL;
  InitializeSRWLock(&l->lock);
  InitializeConditionVariable(&l->cond);
  return l;
}

void ics_lock_free(ics_lock *l) { ics_free(l); } /* neither needs destroying */
void ics_lock_take(ics_lock *l) { AcquireSRWLockExclusive(&l->lock); }
void ics_lock_give(ics_lock *l) { ReleaseSRWLockExclusive(&l->lock); }
void ics_lock_wait(ics_lock *l) { SleepConditionVariableSRW(&l->cond, &l->lock, INFINITE, 0); }
void ics_lock_wake(ics_lock *l) { WakeAllConditionVariable(&l->cond); }
