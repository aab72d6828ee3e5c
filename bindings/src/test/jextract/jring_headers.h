/* Input of the -Pjextract profile: jextract turns these headers into Java so that
 * JextractCrossCheckTest can compare the hand-written layouts with a second,
 * independent reading of the same C structs (clang's, inside jextract). */
#include <liburing.h>
#include <linux/time_types.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <netinet/in.h>
#include <sys/uio.h>
#include <sys/resource.h>
