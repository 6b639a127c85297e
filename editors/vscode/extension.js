// extension.js: starts `ecsc lsp` for .ecs files through vscode-languageclient.
'use strict';

const vscode = require('vscode');
const { LanguageClient, TransportKind } = require('vscode-languageclient/node');

let client;

function activate(context) {
  const config = vscode.workspace.getConfiguration('ecsc');
  const command = config.get('path', 'ecsc');
  const server = { command, args: ['lsp'], transport: TransportKind.stdio };
  client = new LanguageClient('ecsc', 'ecsc', { run: server, debug: server }, {
    documentSelector: [{ scheme: 'file', language: 'ecs' }],
    // Specs changed on disk (not in an editor) are compiled again.
    synchronize: { fileEvents: vscode.workspace.createFileSystemWatcher('**/*.ecs') },
    initializationOptions: {
      set: config.get('set', []),
      debounce: config.get('debounce', 25),
    },
  });
  context.subscriptions.push(
    vscode.commands.registerCommand('ecsc.restart', () => client.restart()));
  return client.start();
}

function deactivate() {
  return client ? client.stop() : undefined;
}

module.exports = { activate, deactivate };
