"use client";

import { useCallback, useEffect, useRef, useState } from "react";

type Listener = (near: boolean) => void;

/** One IntersectionObserver per margin, shared by every page of the viewer (hundreds of pages stay cheap). */
const observers = new Map<string, { observer: IntersectionObserver; listeners: Map<Element, Listener> }>();

function shared(rootMargin: string) {
  let entry = observers.get(rootMargin);
  if (!entry) {
    const listeners = new Map<Element, Listener>();
    const observer = new IntersectionObserver(
      (entries) => {
        for (const e of entries) listeners.get(e.target)?.(e.isIntersecting);
      },
      { rootMargin },
    );
    entry = { observer, listeners };
    observers.set(rootMargin, entry);
  }
  return entry;
}

/**
 * Whether the element is within `rootMargin` of the viewport. Pages use it to render their image and
 * fetch their detections only when the reader is close.
 */
export function useNearViewport<T extends Element>(rootMargin = "1200px 0px"): [(node: T | null) => void, boolean] {
  const [near, setNear] = useState(false);
  const [node, setNode] = useState<T | null>(null);
  const ref = useCallback((el: T | null) => setNode(el), []);
  const marginRef = useRef(rootMargin);

  useEffect(() => {
    if (!node) return;
    if (typeof IntersectionObserver === "undefined") {
      setNear(true);
      return;
    }
    const { observer, listeners } = shared(marginRef.current);
    listeners.set(node, setNear);
    observer.observe(node);
    return () => {
      observer.unobserve(node);
      listeners.delete(node);
    };
  }, [node]);

  return [ref, near];
}
