package dev.reactorfifo.bench;

import jnr.ffi.annotations.Out;
import jnr.ffi.types.u_int64_t;

/**
 * The libc call jnr-posix lacks, for {@link PipeSize#unreadBytes()}. Public and top-level, as
 * jnr-ffi implements it in a class loader of its own.
 */
public interface PipeLibC {

    int ioctl(int fd, @u_int64_t long request, @Out int[] value);
}
