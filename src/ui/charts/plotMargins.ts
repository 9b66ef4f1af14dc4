/** The margins of a layered chart (PlotLayers): the axes layer's, and the data layer's inside them. */

export interface AxisLabel {
  value: string;
  position: 'insideBottom';
  offset: number;
  fill: string;
}

export const MARGIN = { top: 8, right: 16, bottom: 18, left: 8 };
/** recharts' default height of an x axis: the data layer's bottom margin makes room for it. */
export const X_AXIS_HEIGHT = 30;
export const Y_AXIS_WIDTH = 58;
/** The data layer's plot area, the same as the axes layer's (its axes are hidden). */
export const DATA_MARGIN = {
  top: MARGIN.top,
  right: MARGIN.right,
  bottom: MARGIN.bottom + X_AXIS_HEIGHT,
  left: MARGIN.left + Y_AXIS_WIDTH,
};
