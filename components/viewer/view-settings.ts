/** What the reader chose to see: shared by the toolbar and every page. */
export type ViewSettings = {
  threshold: number;
  hidden: ReadonlySet<string>;
  zoom: number;
};

export const ZOOM_LEVELS = [0.5, 0.75, 1, 1.25, 1.5, 2, 3] as const;
export const DEFAULT_ZOOM = 1;
