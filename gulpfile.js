// tsc compiles the code; icons and codex (.node.json) files must sit next to it in dist. DIST_DIR
// redirects both tasks: `npm run dev` builds into the dev n8n's package folder and keeps watching.
const { src, dest, parallel, series, watch } = require('gulp');

const DIST = process.env.DIST_DIR || 'dist';
const ICONS = 'icons/*.svg';
const NODE_ASSETS = ['nodes/**/*.svg', 'nodes/**/*.node.json'];

function copyIcons() {
	return src(ICONS).pipe(dest(`${DIST}/icons`));
}

function copyNodeAssets() {
	return src(NODE_ASSETS).pipe(dest(`${DIST}/nodes`));
}

function watchAssets() {
	watch(ICONS, copyIcons);
	watch(NODE_ASSETS, copyNodeAssets);
}

exports.build = parallel(copyIcons, copyNodeAssets);
exports.watch = series(exports.build, watchAssets);
