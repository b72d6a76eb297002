/**
 * `getsockopt(TCP_INFO)` on Linux: the kernel's view of a TCP connection (what the peer
 * acknowledged, retransmissions, round-trip time). Offsets are those of `struct tcp_info` in
 * `linux/tcp.h` (x86_64 and every other Linux ABI: the struct has no pointers or longs):
 *
 * ```text
 *  68 tcpi_rtt (u32 us)          80 tcpi_snd_cwnd (u32 segments)  92 tcpi_rcv_rtt (u32 us)
 * 100 tcpi_total_retrans (u32)  120 tcpi_bytes_acked (u64)     128 tcpi_bytes_received (u64)
 * 148 tcpi_min_rtt (u32 us)     160 tcpi_delivery_rate (u64 B/s)
 * 208 tcpi_bytes_retrans (u64, kernel 4.19+)
 * ```
 *
 * A field is given only when the kernel's answer is long enough to hold it.
 *
 * @module
 */
import { IPPROTO } from "../ffi/constants.ts";
import { libc } from "../ffi/libc.ts";

/** `TCP_INFO` (level `IPPROTO_TCP`). */
const TCP_INFO = 11;
/** Room for the whole struct of recent kernels. */
const SIZE = 280;

/** What `TCP_INFO` says about a connection (fields the kernel did not give are left out). */
export interface TcpInfo {
  /** Bytes the peer acknowledged (`tcpi_bytes_acked`; the SYN not included). */
  bytesAcked?: number;
  /** Bytes received in order (`tcpi_bytes_received`). */
  bytesReceived?: number;
  /** Segments retransmitted over the connection's life (`tcpi_total_retrans`). */
  retransmits?: number;
  /** Bytes retransmitted (`tcpi_bytes_retrans`, kernel 4.19+). */
  bytesRetransmitted?: number;
  /** Smoothed round-trip time, ms (`tcpi_rtt`). */
  rttMs?: number;
  /**
   * The receiver's round-trip estimate, ms (`tcpi_rcv_rtt`): from the timestamps the peer's
   * data echoes (RFC 7323), so on a download it includes the queue the data waited in. 0 until
   * the kernel has an estimate.
   */
  rcvRttMs?: number;
  /** Smallest round-trip time seen, ms (`tcpi_min_rtt`). */
  minRttMs?: number;
  /** Congestion window, segments. */
  cwnd?: number;
  /** The kernel's delivery rate estimate, bytes per second. */
  deliveryRate?: number;
}

/**
 * Reads `TCP_INFO` of a connected TCP socket.
 *
 * @param fd The socket.
 * @param scratch A reused buffer of at least 280 bytes (saves an allocation per call).
 * @returns The fields the kernel gave, or `undefined` when the call failed (not Linux, closed).
 *
 * @example
 * ```ts ignore
 * import { readTcpInfo } from "./_tcp_info.ts";
 * console.log(readTcpInfo(socket.fd)?.bytesAcked);
 * ```
 */
export function readTcpInfo(fd: number, scratch?: TcpInfoScratch): TcpInfo | undefined {
  const { buffer, length } = scratch ?? new TcpInfoScratch();
  const lengthView = new DataView(length.buffer);
  lengthView.setUint32(0, SIZE, true);
  let result: number;
  try {
    result = libc().getsockopt(fd, IPPROTO.TCP, TCP_INFO, buffer, length);
  } catch {
    return undefined;
  }
  if (result !== 0) return undefined;
  const got = lengthView.getUint32(0, true);
  const v = new DataView(buffer.buffer, buffer.byteOffset, buffer.byteLength);
  const info: TcpInfo = {};
  if (got >= 72) info.rttMs = v.getUint32(68, true) / 1000;
  if (got >= 84) info.cwnd = v.getUint32(80, true);
  if (got >= 96) info.rcvRttMs = v.getUint32(92, true) / 1000;
  if (got >= 104) info.retransmits = v.getUint32(100, true);
  if (got >= 128) info.bytesAcked = Number(v.getBigUint64(120, true));
  if (got >= 136) info.bytesReceived = Number(v.getBigUint64(128, true));
  if (got >= 152) info.minRttMs = v.getUint32(148, true) / 1000;
  if (got >= 168) info.deliveryRate = Number(v.getBigUint64(160, true));
  if (got >= 216) info.bytesRetransmitted = Number(v.getBigUint64(208, true));
  return info;
}

/** Buffers for {@linkcode readTcpInfo}, to reuse across calls. */
export class TcpInfoScratch {
  /** The struct's room. */
  readonly buffer: Uint8Array<ArrayBuffer> = new Uint8Array(SIZE);
  /** The `socklen_t` in and out. */
  readonly length: Uint8Array<ArrayBuffer> = new Uint8Array(4);
}
