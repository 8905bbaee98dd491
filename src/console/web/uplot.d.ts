// Types of the chart library the gateway serves next to the page as `uplot.js` (uPlot's own ES
// module from node_modules, see console-route.ts).
import uPlot from 'uplot';
export default uPlot;
