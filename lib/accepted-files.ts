/**
 * What can be uploaded, by declared type or, without one, by extension: shared by the upload API, the
 * browser's drop zone and the CLI. At complete the bytes decide (lib/file-type.ts), never the name.
 */
export const ACCEPTED_FILES = [
  { type: "application/pdf", extension: /\.pdf$/i, extensions: [".pdf"] },
  { type: "image/png", extension: /\.png$/i, extensions: [".png"] },
  { type: "image/jpeg", extension: /\.jpe?g$/i, extensions: [".jpg", ".jpeg"] },
  { type: "image/webp", extension: /\.webp$/i, extensions: [".webp"] },
  // A TIFF is one page per frame.
  { type: "image/tiff", extension: /\.tiff?$/i, extensions: [".tif", ".tiff"] },
] as const;

export const ACCEPTED_NAMES = "PDF, PNG, JPEG, WebP or TIFF";

/** The `accept` attribute of a file input. */
export const ACCEPT_ATTRIBUTE = ACCEPTED_FILES.flatMap((f) => [f.type, ...f.extensions]).join(",");

/** The content type a file is uploaded as: its declared type when accepted, else its extension's; null: not accepted. */
export function acceptedContentType(declared: string, filename: string): string | null {
  const byType = ACCEPTED_FILES.find((f) => f.type === declared);
  if (byType) return byType.type;
  // A browser declares "" for a type it does not know.
  if (declared !== "") return null;
  return ACCEPTED_FILES.find((f) => f.extension.test(filename))?.type ?? null;
}
