/**
 * The viewer's JPEG, encoded by libjpeg-turbo (@julusian/jpeg-turbo, prebuilt in its npm package) from the
 * canvas's pixels. Skia's own JPEG path in @napi-rs/canvas took 83-94 ms for a 1600 x 2070 page where
 * `getImageData` + libjpeg-turbo take 24 ms with the same 4:2:0 sampling and quality (README, "Make your model
 * fit"): at ~1 s a page of int8 inference that difference is CPU taken from the model.
 */
import type { Canvas } from "@napi-rs/canvas";
import jpegTurbo from "@julusian/jpeg-turbo";
import { freeNow } from "../free-buffer";

export async function encodeJpeg(canvas: Canvas, quality: number): Promise<Uint8Array> {
  const { width, height } = canvas;
  const rgba = canvas.getContext("2d").getImageData(0, 0, width, height).data;
  const options = { format: jpegTurbo.FORMAT_RGBA, width, height, quality, subsampling: jpegTurbo.SAMP_420 };
  // The library returns a slice of a worst-case buffer; one of our own can be handed back at once.
  const out = Buffer.allocUnsafeSlow(jpegTurbo.bufferSize(options));
  try {
    const jpeg = await jpegTurbo.compress(Buffer.from(rgba.buffer, rgba.byteOffset, rgba.byteLength), out, options);
    return new Uint8Array(jpeg);
  } finally {
    freeNow(rgba, out);
  }
}
