import { useEffect, useRef } from "react";
import * as echarts from "echarts";

/** An ECharts chart that follows its container's size and the system theme. */
export function Chart({ option, height = 320, testId }: { option: echarts.EChartsOption; height?: number; testId?: string }) {
  const el = useRef<HTMLDivElement>(null);
  useEffect(() => {
    if (!el.current) return;
    const dark = window.matchMedia?.("(prefers-color-scheme: dark)").matches;
    const chart = echarts.init(el.current, dark ? "dark" : undefined, { renderer: "canvas" });
    chart.setOption({ backgroundColor: "transparent", ...option });
    const ro = new ResizeObserver(() => chart.resize());
    ro.observe(el.current);
    return () => {
      ro.disconnect();
      chart.dispose();
    };
  }, [option]);
  return <div ref={el} style={{ height, width: "100%" }} data-testid={testId} />;
}
