import { configure } from "@testing-library/react";

// jsdom lacks a few browser APIs the components touch.
class RO {
  observe() {}
  unobserve() {}
  disconnect() {}
}
(globalThis as unknown as { ResizeObserver: unknown }).ResizeObserver = RO;
window.matchMedia ||= ((q: string) => ({ matches: false, media: q, addEventListener() {}, removeEventListener() {} })) as never;

// CI runs the Rust suite beside these on two cores: a findBy/waitFor that needs more than the
// default second there is slow, not wrong.
configure({ asyncUtilTimeout: 5000 });
