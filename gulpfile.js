// tsc compiles the code; icons and codex (.node.json) files must sit next to it in dist.
const { src, dest, parallel } = require('gulp');

function copyIcons() {
	return src('icons/*.svg').pipe(dest('dist/icons'));
}

function copyNodeAssets() {
	return src(['nodes/**/*.svg', 'nodes/**/*.node.json']).pipe(dest('dist/nodes'));
}

exports.build = parallel(copyIcons, copyNodeAssets);
