/**
 * @file Tree-sitter grammar for ecsc specifications (*.ecs).
 * @license MIT
 *
 * A spec is a list of imports, parameters, declarations and one project
 * declaration (`project "shop"`, the ownership tag's value). A declaration
 * is a keyword, a name, an optional parent (`service web in main`) and a
 * body of attributes (`key = value`) and nested blocks (`kind label { }`).
 * The grammar is deliberately generic below the top level: which keys and
 * blocks a body accepts is the checker's schema, not the grammar's.
 */

/// <reference types="tree-sitter-cli/dsl" />
// @ts-check

const DECLARATION_KINDS = [
  'cluster', 'service', 'express_service', 'task', 'role', 'policy', 'log_group',
];

// Units a user may write after a space; attached units (`30s`, `60%`,
// `512MiB`) take any letters and are checked by the compiler, so that an
// unknown unit gets a diagnostic of its own rather than a syntax error.
const SPACED_UNITS = ['KiB', 'MiB', 'GiB', 'TiB', 'KB', 'MB', 'GB', 'TB', 'vcpu', 'vCPU'];

const DIGITS = /[0-9][0-9_]*/.source;
const NUMBER = `-?${DIGITS}(\\.${DIGITS})?`;

module.exports = grammar({
  name: 'ecs',

  extras: $ => [/\s/, $.comment],

  word: $ => $.identifier,

  rules: {
    source_file: $ => repeat($._item),

    _item: $ => choice($.project, $.import, $.param, $.declaration),

    // project "shop"
    project: $ => seq('project', field('name', $.string)),

    // import "shared/roles.ecs"
    import: $ => seq('import', field('path', $.string)),

    // param tag: string = "latest"
    param: $ => seq(
      'param',
      field('name', $.identifier),
      ':',
      field('type', $.type),
      optional(seq('=', field('default', $._value))),
    ),

    type: $ => seq(
      field('name', $.identifier),
      optional(seq('(', field('element', $.type), ')')),
    ),

    // service web in main { ... }   express_service api in main { ... }
    declaration: $ => seq(
      field('kind', choice(...DECLARATION_KINDS)),
      field('name', $.identifier),
      optional(seq('in', field('parent', $.identifier))),
      field('body', $.body),
    ),

    body: $ => seq('{', repeat(choice($.attribute, $.block)), '}'),

    // memory = 1 GiB
    attribute: $ => seq(field('key', $.identifier), '=', field('value', $._value)),

    // container app { ... }   capacity FARGATE { ... }   ingress "https" { ... }
    block: $ => seq(
      field('kind', $.identifier),
      repeat(field('label', choice($.identifier, $.string))),
      field('body', $.body),
    ),

    _value: $ => choice(
      $.string,
      $.number,
      $.quantity,
      $.boolean,
      $.range,
      $.reference,
      $.call,
      $.list,
      $.map,
    ),

    // A bare word: an enum value or a name, possibly dotted (`app.http`).
    reference: $ => seq(
      field('name', $.identifier),
      repeat(seq('.', field('member', $.identifier))),
    ),

    // ssm("/web/db")   secret("arn:...", key = "password")
    call: $ => seq(
      field('function', $.identifier),
      '(',
      optional(seq(
        $._argument,
        repeat(seq(',', $._argument)),
        optional(','),
      )),
      ')',
    ),

    _argument: $ => choice($._value, $.named_argument),

    named_argument: $ => seq(field('name', $.identifier), '=', field('value', $._value)),

    // [80, 443]
    list: $ => seq(
      '[',
      optional(seq(
        field('element', $._value),
        repeat(seq(',', field('element', $._value))),
        optional(','),
      )),
      ']',
    ),

    // { Environment = "prod", "com.example.team" = "web" }
    map: $ => seq('{', repeat(seq($.entry, optional(','))), '}'),

    entry: $ => seq(
      field('key', choice($.identifier, $.string)),
      '=',
      field('value', $._value),
    ),

    // 1..10
    range: $ => seq(field('low', $.number), '..', field('high', $.number)),

    boolean: _ => choice('true', 'false'),

    number: _ => token(new RegExp(NUMBER)),

    quantity: _ => token(new RegExp(
      `${NUMBER}([A-Za-z%][A-Za-z0-9%]*|[ \\t]+(${SPACED_UNITS.join('|')}))`,
    )),

    string: $ => seq(
      '"',
      repeat(choice(
        $.string_content,
        $.escape_sequence,
        $.interpolation,
        alias(token.immediate('$'), $.string_content),
      )),
      token.immediate('"'),
    ),

    string_content: _ => token.immediate(prec(1, /[^"\\$\n]+/)),

    escape_sequence: _ => token.immediate(/\\./),

    interpolation: $ => seq(token.immediate('${'), field('value', $._value), '}'),

    identifier: _ => /[A-Za-z_][A-Za-z0-9_-]*/,

    comment: _ => token(seq('#', /.*/)),
  },
});
