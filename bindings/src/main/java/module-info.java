/**
 * jring's hand-written FFM bindings: liburing, the io_uring ABI, epoll and sockets.
 *
 * <p>The only jring module that calls restricted FFM methods ({@code Linker.downcallHandle},
 * {@code SymbolLookup.libraryLookup}, {@code MemorySegment.reinterpret}), so on the module path
 * {@code --enable-native-access=io.jring.bindings} is the whole grant. Not API: only jring's own
 * modules may read it.
 */
module io.jring.bindings {
    exports io.jring.bindings to io.jring, io.jring.epoll;
}
