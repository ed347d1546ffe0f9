/**
 * Stage 2: tokens → CST. Grammar only; semantics live in visitor.ts.
 */
import { CstParser, type CstNode } from 'chevrotain';
import * as T from './tokens.js';

export class FlumeParser extends CstParser {
  /**
   * `validate` checks the grammar (ambiguities, left recursion) as it is built.
   * That is a third of start-up and the grammar is fixed, so the CLI skips it
   * and a unit test builds the parser with it on.
   */
  constructor(validate = false) {
    super(T.allTokens, { nodeLocationTracking: 'onlyOffset', maxLookahead: 3, skipValidations: !validate });
    this.performSelfAnalysis();
  }

  program = this.RULE('program', () => {
    this.OPTION(() => this.SUBRULE(this.pipeline));
    this.MANY(() => {
      this.CONSUME(T.Semicolon);
      this.OPTION2(() => this.SUBRULE2(this.pipeline));
    });
  });

  pipeline = this.RULE('pipeline', () => {
    this.SUBRULE(this.stage);
    this.MANY(() => {
      this.CONSUME(T.Pipe);
      this.SUBRULE2(this.stage);
    });
  });

  stage = this.RULE('stage', () => {
    this.OR([{ ALT: () => this.SUBRULE(this.group) }, { ALT: () => this.SUBRULE(this.call) }]);
  });

  group = this.RULE('group', () => {
    this.CONSUME(T.LParen);
    this.SUBRULE(this.pipeline);
    this.MANY(() => {
      this.OR([{ ALT: () => this.CONSUME(T.Comma) }, { ALT: () => this.CONSUME(T.Semicolon) }]);
      this.SUBRULE2(this.pipeline);
    });
    this.CONSUME(T.RParen);
  });

  call = this.RULE('call', () => {
    this.CONSUME(T.Identifier, { LABEL: 'name' });
    this.MANY(() => {
      this.CONSUME(T.Dot);
      this.CONSUME2(T.Identifier, { LABEL: 'name' });
    });
    this.OPTION(() => this.SUBRULE(this.argList));
  });

  argList = this.RULE('argList', () => {
    this.CONSUME(T.LParen);
    this.OPTION(() => {
      this.SUBRULE(this.arg);
      this.MANY({
        GATE: () => this.LA(2).tokenType !== T.RParen,
        DEF: () => {
          this.CONSUME(T.Comma);
          this.SUBRULE2(this.arg);
        },
      });
      this.OPTION2(() => this.CONSUME2(T.Comma));
    });
    this.CONSUME(T.RParen);
  });

  arg = this.RULE('arg', () => {
    this.OPTION({
      GATE: () => this.LA(2).tokenType === T.Equals,
      DEF: () => {
        this.CONSUME(T.Identifier, { LABEL: 'key' });
        this.CONSUME(T.Equals);
      },
    });
    this.SUBRULE(this.expression);
    this.MANY(() => {
      this.CONSUME(T.Pipe);
      this.SUBRULE(this.stage);
    });
  });

  /** `cond ? a : b`: looser than `or`, right-associative (the branches are whole expressions). */
  expression = this.RULE('expression', () => {
    this.SUBRULE(this.orExpr);
    this.OPTION(() => {
      this.CONSUME(T.Question);
      this.SUBRULE(this.expression, { LABEL: 'then' });
      this.CONSUME(T.Colon);
      this.SUBRULE2(this.expression, { LABEL: 'otherwise' });
    });
  });

  orExpr = this.RULE('orExpr', () => {
    this.SUBRULE(this.andExpr);
    this.MANY(() => {
      this.CONSUME(T.OrOp);
      this.SUBRULE2(this.andExpr);
    });
  });

  andExpr = this.RULE('andExpr', () => {
    this.SUBRULE(this.notExpr);
    this.MANY(() => {
      this.CONSUME(T.AndOp);
      this.SUBRULE2(this.notExpr);
    });
  });

  notExpr = this.RULE('notExpr', () => {
    this.OR([
      {
        ALT: () => {
          this.CONSUME(T.NotOp);
          this.SUBRULE(this.notExpr);
        },
      },
      { ALT: () => this.SUBRULE(this.comparison) },
    ]);
  });

  comparison = this.RULE('comparison', () => {
    this.SUBRULE(this.coalesce);
    this.OPTION(() => {
      this.OR([
        { ALT: () => this.CONSUME(T.CompareOp, { LABEL: 'op' }) },
        { ALT: () => this.CONSUME(T.In, { LABEL: 'op' }) },
        {
          ALT: () => {
            this.CONSUME(T.NotWord, { LABEL: 'notIn' });
            this.CONSUME2(T.In, { LABEL: 'op' });
          },
        },
      ]);
      this.SUBRULE2(this.coalesce);
    });
  });

  /** `a ?? b`: tighter than comparisons, looser than arithmetic (Kotlin's elvis). */
  coalesce = this.RULE('coalesce', () => {
    this.SUBRULE(this.additive);
    this.MANY(() => {
      this.CONSUME(T.Coalesce);
      this.SUBRULE2(this.additive);
    });
  });

  additive = this.RULE('additive', () => {
    this.SUBRULE(this.multiplicative);
    this.MANY(() => {
      this.OR([{ ALT: () => this.CONSUME(T.Plus, { LABEL: 'op' }) }, { ALT: () => this.CONSUME(T.Minus, { LABEL: 'op' }) }]);
      this.SUBRULE2(this.multiplicative);
    });
  });

  multiplicative = this.RULE('multiplicative', () => {
    this.SUBRULE(this.unary);
    this.MANY(() => {
      this.OR([
        { ALT: () => this.CONSUME(T.Star, { LABEL: 'op' }) },
        { ALT: () => this.CONSUME(T.Slash, { LABEL: 'op' }) },
        { ALT: () => this.CONSUME(T.Percent, { LABEL: 'op' }) },
      ]);
      this.SUBRULE2(this.unary);
    });
  });

  unary = this.RULE('unary', () => {
    this.OR([
      {
        ALT: () => {
          this.CONSUME(T.Minus);
          this.SUBRULE(this.unary);
        },
      },
      { ALT: () => this.SUBRULE(this.postfix) },
    ]);
  });

  postfix = this.RULE('postfix', () => {
    this.SUBRULE(this.primary);
    this.MANY(() => {
      this.OR([
        {
          ALT: () => {
            this.CONSUME(T.Dot);
            this.CONSUME(T.Identifier, { LABEL: 'member' });
            // `my.alias(1)`: a dotted call, valid only where a stage may stand
            // (a pipeline argument); the visitor rejects it elsewhere.
            this.OPTION(() => this.SUBRULE(this.argList, { LABEL: 'memberArgs' }));
          },
        },
        {
          ALT: () => {
            this.CONSUME(T.LBracket);
            this.SUBRULE(this.expression, { LABEL: 'index' });
            this.CONSUME(T.RBracket);
          },
        },
      ]);
    });
  });

  primary = this.RULE('primary', () => {
    this.OR([
      { ALT: () => this.CONSUME(T.NumberLit) },
      { ALT: () => this.CONSUME(T.StringLit) },
      { ALT: () => this.CONSUME(T.Duration) },
      { ALT: () => this.CONSUME(T.Regex) },
      { ALT: () => this.CONSUME(T.True) },
      { ALT: () => this.CONSUME(T.False) },
      { ALT: () => this.CONSUME(T.Null) },
      { ALT: () => this.SUBRULE(this.list) },
      { ALT: () => this.SUBRULE(this.object) },
      {
        ALT: () => {
          this.CONSUME(T.LParen);
          this.SUBRULE(this.expression);
          this.CONSUME(T.RParen);
        },
      },
      {
        ALT: () => {
          this.CONSUME(T.Identifier);
          this.OPTION(() => this.SUBRULE(this.argList));
        },
      },
    ]);
  });

  list = this.RULE('list', () => {
    this.CONSUME(T.LBracket);
    this.OPTION(() => {
      this.SUBRULE(this.expression);
      this.MANY({
        GATE: () => this.LA(2).tokenType !== T.RBracket,
        DEF: () => {
          this.CONSUME(T.Comma);
          this.SUBRULE2(this.expression);
        },
      });
      this.OPTION2(() => this.CONSUME2(T.Comma));
    });
    this.CONSUME(T.RBracket);
  });

  object = this.RULE('object', () => {
    this.CONSUME(T.LBrace);
    this.OPTION(() => {
      this.SUBRULE(this.entry);
      this.MANY({
        GATE: () => this.LA(2).tokenType !== T.RBrace,
        DEF: () => {
          this.CONSUME(T.Comma);
          this.SUBRULE2(this.entry);
        },
      });
      this.OPTION2(() => this.CONSUME2(T.Comma));
    });
    this.CONSUME(T.RBrace);
  });

  entry = this.RULE('entry', () => {
    this.OR([
      { ALT: () => this.CONSUME(T.Identifier, { LABEL: 'key' }) },
      { ALT: () => this.CONSUME(T.StringLit, { LABEL: 'key' }) },
      { ALT: () => this.CONSUME(T.NumberLit, { LABEL: 'key' }) },
      { ALT: () => this.CONSUME(T.True, { LABEL: 'key' }) },
      { ALT: () => this.CONSUME(T.False, { LABEL: 'key' }) },
      { ALT: () => this.CONSUME(T.Null, { LABEL: 'key' }) },
      { ALT: () => this.CONSUME(T.In, { LABEL: 'key' }) },
      { ALT: () => this.CONSUME(T.OrWord, { LABEL: 'key' }) },
      { ALT: () => this.CONSUME(T.AndWord, { LABEL: 'key' }) },
      { ALT: () => this.CONSUME(T.NotWord, { LABEL: 'key' }) },
    ]);
    this.CONSUME(T.Colon);
    this.SUBRULE(this.expression);
  });
}

/** One parser instance, reused (chevrotain parsers are stateful but resettable). */
export const parser = new FlumeParser();

export type { CstNode };
