/**
 * Room names and user text: names are unique among public rooms only (a private room's name
 * confirms nothing), compared by a look-alike key; bidi controls and invisible text are refused in
 * names, descriptions and message bodies (HTTP and WebSocket); what a send is acknowledged with is
 * exactly what history returns.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomUUID } from 'node:crypto';
import type { Message, Room } from '../src/protocol.js';
import { createRoom, register, startServer, uniqueName, WsClient, type Account, type TestServer } from './helpers.js';
import { expectError } from './authz-helpers.js';

let server: TestServer;
let owner: Account;
let outsider: Account;

beforeAll(async () => {
  server = await startServer();
  owner = await register(server.app, uniqueName('own'));
  outsider = await register(server.app, uniqueName('out'));
});
afterAll(() => server?.close());

const create = (account: Account, name: string, isPrivate = false, description?: string) =>
  server.app.inject({ method: 'POST', url: '/api/rooms', headers: account.headers, payload: { name, isPrivate, description } });

/** A name no other test uses, with the given stem. */
const fresh = (stem: string) => `${stem} ${randomUUID().slice(0, 8).replace(/[0-9]/g, 'x')}`;

describe('room names are unique among public rooms only', () => {
  it('a private "Secret" blocks nothing; public names still collide in any case', async () => {
    const base = fresh('Secret');
    expect((await create(owner, base, true)).statusCode).toBe(201);
    const pub = await create(outsider, base.toLowerCase());
    expect(pub.statusCode, pub.body).toBe(201);
    expectError(await create(outsider, base.toUpperCase()), 409, 'ROOM_NAME_TAKEN');
    expect((await create(owner, base, true)).statusCode).toBe(201);
    expect((await create(outsider, base.toUpperCase(), true)).statusCode).toBe(201);
  });

  it('the answer for a private room\'s name is the same as for a name nobody uses', async () => {
    const hidden = fresh('Hidden');
    expect((await create(owner, hidden, true)).statusCode).toBe(201);
    const res = await create(outsider, hidden);
    expect(res.statusCode).toBe(201);
    expect(res.json<{ room: Room }>().room).toMatchObject({ name: hidden, isPrivate: false });
  });
});

describe('look-alike room names', () => {
  // prettier-ignore
  const LOOK_ALIKES: [string, string, string][] = [
    ['Cyrillic letters',            'Paypal Ops',    'Раураl Орѕ'],
    ['Greek capitals',              'ABE Notes',     'ΑΒΕ Notes'],
    ['zero and capital O',          'Room 0ne',      'Room One'],
    ['one, small L and capital I',  'Team 1ab',      'Team Iab'],
    ['full-width letters (NFKC)',   'Fullwidth Hall', 'Ｆｕｌｌｗｉｄｔｈ Hall'],
    ['a ligature (NFKC)',           'Office Hours',  'Oﬃce Hours'],
  ];
  it.each(LOOK_ALIKES)('%s: %j blocks %j', async (_what, original, copy) => {
    const suffix = ` ${randomUUID().slice(0, 4).replace(/[0-9]/g, 'q')}`;
    expect((await create(owner, original + suffix)).statusCode).toBe(201);
    expectError(await create(outsider, copy + suffix), 409, 'ROOM_NAME_TAKEN');
    // ... but only among public rooms.
    expect((await create(outsider, copy + suffix, true)).statusCode).toBe(201);
  });

  it('stores names NFKC-normalized, with whitespace runs collapsed', async () => {
    const stem = randomUUID().slice(0, 6);
    const res = await create(owner, `  Ｎｏｒｍ\u3000  ${stem}  `);
    expect(res.statusCode, res.body).toBe(201);
    expect(res.json<{ room: Room }>().room.name).toBe(`Norm ${stem}`);
  });

  it('accepts emoji names, variation selectors and ZWJ sequences included', async () => {
    for (const name of [fresh('❤️ love'), fresh('👨‍👩‍👧 family'), fresh('café')]) {
      const res = await create(owner, name);
      expect(res.statusCode, `${name}: ${res.body}`).toBe(201);
      expect(res.json<{ room: Room }>().room.name).toBe(name.normalize('NFKC'));
    }
  });
});

describe('invisible and bidi text in names and descriptions', () => {
  // prettier-ignore
  const BAD_NAMES: [string, string][] = [
    ['a right-to-left override',   'abc\u202Egnp.exe'],
    ['a left-to-right embedding',  '\u202Aname'],
    ['a first-strong isolate',     'name\u2068x\u2069'],
    ['a zero-width space inside',  'Gen\u200Beral'],
    ['a word joiner',              'Gen\u2060eral'],
    ['a zero-width no-break space', 'Gen\uFEFFeral'],
    ['a left-to-right mark',       'General\u200E'],
    ['a lone zero-width joiner',   'Gen\u200Deral'],
    ['only a zero-width space',    '\u200B'],
    ['only invisible characters',  '\u200B\u2060\u3164\u2800'],
  ];
  it.each(BAD_NAMES)('a name with %s -> 400 VALIDATION, nothing created', async (_what, name) => {
    expectError(await create(owner, name), 400, 'VALIDATION');
    expectError(await create(owner, name, true), 400, 'VALIDATION');
  });

  it.each([
    ['a right-to-left override', 'see \u202Etxt.exe'],
    ['a pop directional isolate', 'x\u2069'],
    ['only invisible characters', '\u200B\u200B'],
  ])('a description with %s -> 400 VALIDATION', async (_what, description) => {
    expectError(await create(owner, fresh('Desc'), false, description), 400, 'VALIDATION');
  });

  it('stores descriptions NFKC-normalized; right-to-left marks in prose are kept', async () => {
    const res = await create(owner, fresh('Prose'), false, ' Ｈｅｌｌｏ \u05E9\u05DC\u05D5\u05DD\u200F ');
    expect(res.statusCode, res.body).toBe(201);
    expect(res.json<{ room: Room }>().room.description).toBe('Hello \u05E9\u05DC\u05D5\u05DD\u200F');
  });
});

describe('message bodies: invisible, bidi and lone surrogates (HTTP and WebSocket)', () => {
  let room: Room;
  let ws: WsClient;
  beforeAll(async () => {
    room = (await createRoom(server.app, owner)).room;
    ws = await WsClient.connect(server.wsUrl, owner.token);
    await ws.subscribe(room.id);
  });
  afterAll(() => ws?.close());

  const postHttp = (body: string) =>
    server.app.inject({ method: 'POST', url: `/api/rooms/${room.id}/messages`, headers: owner.headers, payload: { clientMsgId: randomUUID(), body } });
  const sendWs = async (body: string) => {
    const clientMsgId = randomUUID();
    ws.send({ type: 'send', roomId: room.id, clientMsgId, body });
    return ws.next((f) => (f.type === 'ack' && f.clientMsgId === clientMsgId) || (f.type === 'error' && f.ref === clientMsgId));
  };
  const history = async (seq: number): Promise<Message> => {
    const res = await server.app.inject({ url: `/api/rooms/${room.id}/messages?after=${seq - 1}&limit=1`, headers: owner.headers });
    return res.json<{ messages: Message[] }>().messages[0]!;
  };
  const lastSeq = async () => (await server.app.inject({ url: `/api/rooms/${room.id}`, headers: owner.headers })).json<{ room: Room }>().room.lastSeq;

  // prettier-ignore
  const REFUSED: [string, string][] = [
    ['only U+200B',                   '\u200B'],
    ['zero-width characters and spaces', ' \u200B\u200C\u200D\u2060 \uFEFF '],
    ['a Hangul filler and a braille blank', '\u3164\u2800'],
    ['a right-to-left override',      'invoice \u202Efdp.exe'],
    ['a left-to-right isolate',       '\u2066hi\u2069'],
  ];
  it.each(REFUSED)('%s -> 400 VALIDATION over HTTP and an error frame over WebSocket, nothing stored', async (_what, body) => {
    const before = await lastSeq();
    expectError(await postHttp(body), 400, 'VALIDATION');
    const frame = await sendWs(body);
    expect(frame).toMatchObject({ type: 'error', code: 'VALIDATION' });
    expect(await lastSeq()).toBe(before);
  });

  it.each([
    ['a lone high surrogate', 'a\uD800b', 'a\uFFFDb'],
    ['a lone low surrogate at the end', 'end\uDC00', 'end\uFFFD'],
    ['a reversed pair', '\uDC00\uD800', '\uFFFD\uFFFD'],
  ])('%s: the WebSocket ack, the broadcast and history all carry the same body', async (_what, body, stored) => {
    const ack = await sendWs(body);
    expect(ack.type).toBe('ack');
    const message = (ack as unknown as { message: Message }).message;
    expect(message.body).toBe(stored);
    expect((await history(message.seq)).body).toBe(stored);
  });

  it('a lone surrogate over HTTP: the 201 and history carry the same body', async () => {
    const res = await postHttp('x\uD83Dy');
    expect(res.statusCode, res.body).toBe(201);
    const message = res.json<{ message: Message }>().message;
    expect(message.body).toBe('x\uFFFDy');
    expect((await history(message.seq)).body).toBe('x\uFFFDy');
  });

  it('keeps what people type: NFC only (x², full-width punctuation), right-to-left marks, emoji sequences', async () => {
    const body = 'x² ＝ ４！ e\u0301 \u05E9\u05DC\u05D5\u05DD\u200F 👨‍👩‍👧';
    const expected = body.normalize('NFC');
    const viaWs = await sendWs(body);
    expect((viaWs as unknown as { message: Message }).message.body).toBe(expected);
    const viaHttp = await postHttp(body);
    expect(viaHttp.json<{ message: Message }>().message.body).toBe(expected);
    expect(expected).toContain('x²');
    expect(expected).toContain('é');
  });
});
