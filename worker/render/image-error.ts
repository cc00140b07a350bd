import type { ThreadError } from "./protocol";

/** An image that cannot be used; its message is for the user. */
export class ImageError extends Error {
  readonly threadError: ThreadError;
  constructor(code: string, message: string, userMessage: string) {
    super(message);
    this.name = "ImageError";
    this.threadError = { code, message, userMessage };
  }
}
