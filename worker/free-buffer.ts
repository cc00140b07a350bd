/**
 * Hands the memory behind typed arrays back now instead of at the next garbage collection. A page's model
 * input (2.5 MB of bytes at 800x1035) and image arrive from the render thread as ArrayBuffers outside the V8 heap;
 * V8 collects them late, and two or three pages' worth sat in the worker during the next inference.
 * Detaching a buffer (`transfer(0)`) frees its memory at once; the views must not be used afterwards.
 */
export function freeNow(...views: ArrayBufferView[]): void {
  for (const view of views) {
    const buffer = view.buffer as ArrayBuffer & { transfer?: (length: number) => ArrayBuffer; detached?: boolean };
    // Only whole buffers this code owns: a view into a shared or pooled buffer (small Buffers) is left alone.
    if (!(buffer instanceof ArrayBuffer) || buffer.detached || view.byteLength !== buffer.byteLength || !buffer.transfer) continue;
    try {
      buffer.transfer(0);
    } catch {
      // A buffer a native addon keeps cannot be detached; the collector frees it.
    }
  }
}
