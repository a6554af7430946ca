import { createHash } from 'node:crypto';

/**
 * The standalone page's verification script: plain ES2017 run by the reader's browser, with no library. When the
 * reader presses 「署名を検証」 it recomputes the RFC 8785 canonical form of the embedded statement, decodes the JWS
 * protected header, pulls the SubjectPublicKeyInfo out of the first x5c certificate with a small DER walker, checks
 * x5t#S256, and verifies the ES256 signature with WebCrypto (JWS signatures are raw r||s, which WebCrypto takes as
 * they are). It then checks that the table on the page shows what the embedded data says.
 *
 * It is a string, not a compiled function, so that no build step changes the bytes whose SHA-256 the page's CSP
 * names. It must not contain two slashes in a row or a URL (the page makes no request and the tests check that),
 * and builds every text with textContent, never HTML: certificate names are the signer's input.
 */
export const VERIFY_SCRIPT = String.raw`
(function () {
  'use strict';
  var d = document;
  var lang = d.documentElement.lang === 'en' ? 'en' : 'ja';
  var M = {
    ja: {
      checking: '検証しています…',
      valid: '署名は有効です（改ざんなし）',
      failed: '検証に失敗しました',
      unsigned: 'この開示書には署名がありません。改ざんの有無は確認できません。',
      signer: '署名者',
      issuer: '発行者',
      signedAt: '署名日時（署名者の申告）',
      validity: '証明書の有効期間',
      fingerprint: '証明書の SHA-256 指紋',
      checked: '確認した内容: このページに埋め込まれた開示書データ（JSON）が署名後に変更されていないこと、および表示されている表・備考・ヘッダーがそのデータと一致すること。',
      trust: 'このページだけでは証明書の発行者が信頼できるかどうか（証明書チェーンの信頼性）は確認できません。発行者を確認するには、このファイルを「openmds verify --trust ルート証明書.pem ファイル名」で検証してください。',
      noCrypto: 'このブラウザでは暗号機能（Web Crypto）が使えないため、このページでは検証できません。',
      noData: '埋め込まれた開示書データが見つからないか、読めません。',
      header: '署名ヘッダーが読めません（書き換えられたか、壊れています）。',
      alg: '対応していない署名アルゴリズムです（ES256 のみ）。',
      cert: '署名者の証明書（x5c）がないか、読めません。',
      thumb: '署名ヘッダーの x5t#S256 が証明書と一致しません（証明書が差し替えられています）。',
      sigValue: '署名値が壊れています。',
      canon: '開示書データを正規化（RFC 8785）できません。',
      badSig: '署名が内容と一致しません: 署名後に開示書データ（または署名ヘッダー）が変更されています。',
      time: '署名日時が証明書の有効期間外です。',
      shown: '表示されている内容が署名されたデータと一致しません: ',
      parts: { header: 'ヘッダー', answers: '回答', citations: '備考番号', remarks: '備考', statement: '様式・版・状態' }
    },
    en: {
      checking: 'Verifying…',
      valid: 'The signature is valid (not altered)',
      failed: 'Verification failed',
      unsigned: 'This statement is not signed: whether it was altered cannot be checked.',
      signer: 'Signed by',
      issuer: 'Issuer',
      signedAt: 'Signed at (as the signer states)',
      validity: 'Certificate valid',
      fingerprint: 'Certificate SHA-256 fingerprint',
      checked: 'What was checked: the statement data (JSON) embedded in this page has not been changed since it was signed, and the table, remarks and header shown match that data.',
      trust: 'This page alone cannot tell whether the certificate issuer is trustworthy (the trust of the certificate chain). To check the issuer, verify this file with "openmds verify --trust root.pem FILE".',
      noCrypto: 'This browser offers no Web Crypto here, so the page cannot verify the signature.',
      noData: 'The embedded statement data is missing or cannot be read.',
      header: 'The signature header cannot be read (it was altered or is damaged).',
      alg: 'Unsupported signature algorithm (only ES256).',
      cert: "The signer's certificate (x5c) is missing or cannot be read.",
      thumb: "The header's x5t#S256 does not match the certificate (the certificate was replaced).",
      sigValue: 'The signature value is damaged.',
      canon: 'The statement data cannot be canonicalized (RFC 8785).',
      badSig: 'The signature does not match the content: the statement data (or the signature header) was changed after signing.',
      time: "The signing time lies outside the certificate's validity.",
      shown: 'What the page shows does not match the signed data: ',
      parts: { header: 'header', answers: 'answers', citations: 'remark numbers', remarks: 'remarks', statement: 'form, revision, status' }
    }
  }[lang];

  function Fail(message) { this.message = message; }

  function encodeB64u(bytes) {
    var s = '';
    for (var i = 0; i < bytes.length; i++) s += String.fromCharCode(bytes[i]);
    return btoa(s).split('+').join('-').split('/').join('_').replace(/=+$/, '');
  }
  function fromBase64(text, url) {
    var ok = url ? /^[A-Za-z0-9_-]*$/ : /^[A-Za-z0-9+\/]*={0,2}$/;
    if (typeof text !== 'string' || !ok.test(text)) return null;
    var b = url ? text.split('-').join('+').split('_').join('/') : text;
    while (b.length % 4) b += '=';
    var bin;
    try { bin = atob(b); } catch (e) { return null; }
    var out = new Uint8Array(bin.length);
    for (var i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
    var again = url ? encodeB64u(out) : btoa(bin);
    return again === text ? out : null;
  }
  function utf8(text) { return new TextEncoder().encode(text); }

  function isLoneSurrogate(s) {
    for (var i = 0; i < s.length; i++) {
      var c = s.charCodeAt(i);
      if (c >= 0xd800 && c <= 0xdbff) {
        var n = s.charCodeAt(i + 1);
        if (!(n >= 0xdc00 && n <= 0xdfff)) return true;
        i++;
      } else if (c >= 0xdc00 && c <= 0xdfff) return true;
    }
    return false;
  }
  function canon(v) {
    if (v === null) return 'null';
    switch (typeof v) {
      case 'string':
        if (isLoneSurrogate(v)) throw new Fail(M.canon);
        return JSON.stringify(v);
      case 'number':
        if (!isFinite(v)) throw new Fail(M.canon);
        return JSON.stringify(v);
      case 'boolean':
        return v ? 'true' : 'false';
      case 'object':
        if (Array.isArray(v)) return '[' + v.map(canon).join(',') + ']';
        return '{' + Object.keys(v).sort().map(function (k) { return canon(k) + ':' + canon(v[k]); }).join(',') + '}';
      default:
        throw new Fail(M.canon);
    }
  }

  function tlv(b, pos, end) {
    if (pos + 2 > end) throw new Fail(M.cert);
    var tag = b[pos];
    var len = b[pos + 1];
    var off = pos + 2;
    if (len & 0x80) {
      var n = len & 0x7f;
      if (n < 1 || n > 3) throw new Fail(M.cert);
      len = 0;
      for (var i = 0; i < n; i++) len = len * 256 + b[off++];
    }
    if (off + len > end) throw new Fail(M.cert);
    return { tag: tag, start: pos, body: off, end: off + len };
  }
  function kids(b, t) {
    var out = [];
    for (var p = t.body; p < t.end; ) { var c = tlv(b, p, t.end); out.push(c); p = c.end; }
    return out;
  }
  var OIDS = { '550403': 'CN', '55040a': 'O', '55040b': 'OU', '550406': 'C', '550408': 'ST', '550407': 'L' };
  function hex(bytes, sep) {
    var out = [];
    for (var i = 0; i < bytes.length; i++) out.push((bytes[i] < 16 ? '0' : '') + bytes[i].toString(16));
    return out.join(sep || '');
  }
  function text(b, t) {
    var body = b.subarray(t.body, t.end);
    if (t.tag === 0x0c) return new TextDecoder('utf-8').decode(body);
    if (t.tag === 0x1e) {
      var s = '';
      for (var i = 0; i + 1 < body.length; i += 2) s += String.fromCharCode(body[i] * 256 + body[i + 1]);
      return s;
    }
    if (t.tag === 0x13 || t.tag === 0x16 || t.tag === 0x14) return String.fromCharCode.apply(null, Array.prototype.slice.call(body));
    return '#' + hex(body);
  }
  function name(b, t) {
    var parts = [];
    kids(b, t).forEach(function (rdn) {
      kids(b, rdn).forEach(function (atv) {
        var p = kids(b, atv);
        if (p.length < 2) return;
        var oid = hex(b.subarray(p[0].body, p[0].end));
        parts.push({ key: OIDS[oid] || oid, value: text(b, p[1]) });
      });
    });
    return parts;
  }
  function time(b, t) {
    var s = new TextDecoder('ascii').decode(b.subarray(t.body, t.end));
    if (t.tag === 0x17) s = (Number(s.slice(0, 2)) < 50 ? '20' : '19') + s;
    var m = /^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})Z$/.exec(s);
    if (!m) throw new Fail(M.cert);
    return new Date(Date.UTC(+m[1], +m[2] - 1, +m[3], +m[4], +m[5], +m[6]));
  }
  function certificate(der) {
    var c = tlv(der, 0, der.length);
    var tbs = kids(der, c)[0];
    if (!tbs) throw new Fail(M.cert);
    var f = kids(der, tbs);
    var i = f[0] && f[0].tag === 0xa0 ? 1 : 0;
    if (f.length < i + 6) throw new Fail(M.cert);
    var validity = kids(der, f[i + 3]);
    return {
      issuer: name(der, f[i + 2]),
      subject: name(der, f[i + 4]),
      notBefore: time(der, validity[0]),
      notAfter: time(der, validity[1]),
      spki: der.slice(f[i + 5].start, f[i + 5].end)
    };
  }
  function field(n, key) {
    for (var i = 0; i < n.length; i++) if (n[i].key === key) return n[i].value;
    return null;
  }
  function dn(n) { return n.map(function (p) { return p.key + '=' + p.value; }).join(', '); }
  function iso(date) { return date.toISOString().replace(/\.\d{3}Z$/, 'Z'); }

  function shownOnPage(statement) {
    var shown = { header: {}, answers: {}, citations: {}, remarks: {}, statement: {} };
    var want = { header: {}, answers: {}, citations: {}, remarks: {}, statement: {} };
    var norm = function (s) { return String(s).replace(/\r\n?/g, '\n'); };
    d.querySelectorAll('[data-header-field]').forEach(function (el) {
      shown.header[el.getAttribute('data-header-field')] = el.textContent;
    });
    Object.keys(statement.header || {}).forEach(function (k) {
      if (statement.header[k] !== '') want.header[k] = norm(statement.header[k]);
    });
    d.querySelectorAll('[data-statement-field]').forEach(function (el) {
      shown.statement[el.getAttribute('data-statement-field')] = el.getAttribute('data-value');
    });
    var tpl = statement.template || {};
    want.statement = { template: tpl.id + '@' + tpl.edition, revision: String(statement.revision), status: String(statement.status) };
    d.querySelectorAll('tr[data-row-id]').forEach(function (tr) {
      var id = tr.getAttribute('data-row-id');
      tr.querySelectorAll('.answer-mark').forEach(function (mark) {
        var cell = mark.closest('[data-option]');
        shown.answers[id] = cell ? cell.getAttribute('data-option') : '?';
      });
      var cites = tr.querySelector('.row-remarks');
      if (cites && cites.textContent !== '') shown.citations[id] = cites.textContent;
    });
    Object.keys(statement.answers || {}).forEach(function (id) {
      var a = statement.answers[id] || {};
      if (typeof a.answer === 'string' && a.answer !== '') want.answers[id] = a.answer;
      if (Array.isArray(a.remarks) && a.remarks.length > 0) want.citations[id] = a.remarks.join(', ');
    });
    d.querySelectorAll('[data-remark-number]').forEach(function (el) {
      var t = el.querySelector('.remark-text');
      shown.remarks[el.getAttribute('data-remark-number')] = t ? t.textContent : '';
    });
    (statement.remarks || []).forEach(function (r) { want.remarks[String(r.number)] = norm(r.text); });
    var differ = [];
    Object.keys(want).forEach(function (k) { if (canon(shown[k]) !== canon(want[k])) differ.push(M.parts[k]); });
    return differ;
  }

  async function verify(doc) {
    var subtle = window.crypto && window.crypto.subtle;
    if (!subtle) throw new Fail(M.noCrypto);
    if (!doc || typeof doc !== 'object' || !doc.signature || typeof doc.statement !== 'object' || doc.statement === null) throw new Fail(M.noData);
    var protectedB64 = doc.signature.protected;
    var headerBytes = fromBase64(protectedB64, true);
    var header;
    try { header = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(headerBytes)); } catch (e) { throw new Fail(M.header); }
    if (!header || typeof header !== 'object') throw new Fail(M.header);
    if (header.alg !== 'ES256' || header.crit !== undefined) throw new Fail(M.alg);
    if (!Array.isArray(header.x5c) || header.x5c.length === 0) throw new Fail(M.cert);
    var der = fromBase64(header.x5c[0], false);
    if (!der) throw new Fail(M.cert);
    var leaf = certificate(der);
    var digest = new Uint8Array(await subtle.digest('SHA-256', der));
    if (header['x5t#S256'] !== encodeB64u(digest)) throw new Fail(M.thumb);
    var issuer = null;
    if (typeof header.x5c[1] === 'string') {
      var issuerDer = fromBase64(header.x5c[1], false);
      if (issuerDer) issuer = certificate(issuerDer);
    }
    var sig = fromBase64(doc.signature.signature, true);
    if (!sig || sig.length !== 64) throw new Fail(M.sigValue);
    var input = utf8(protectedB64 + '.' + encodeB64u(utf8(canon(doc.statement))));
    var key;
    try {
      key = await subtle.importKey('spki', leaf.spki, { name: 'ECDSA', namedCurve: 'P-256' }, false, ['verify']);
    } catch (e) { throw new Fail(M.cert); }
    var ok = await subtle.verify({ name: 'ECDSA', hash: 'SHA-256' }, key, sig, input);
    if (!ok) throw new Fail(M.badSig);
    var signedAt = typeof header.sigT === 'string' ? new Date(header.sigT) : null;
    if (!signedAt || isNaN(signedAt.getTime()) || signedAt < leaf.notBefore || signedAt > leaf.notAfter) throw new Fail(M.time);
    var differ = shownOnPage(doc.statement);
    if (differ.length > 0) throw new Fail(M.shown + differ.join(', '));
    return {
      signer: (field(leaf.subject, 'O') || field(leaf.subject, 'CN') || dn(leaf.subject)) + ' (' + dn(leaf.subject) + ')',
      issuer: dn(issuer ? issuer.subject : leaf.issuer),
      signedAt: header.sigT,
      validity: iso(leaf.notBefore) + ' – ' + iso(leaf.notAfter),
      fingerprint: hex(digest, ':').toUpperCase()
    };
  }

  function show(kind, title, rows, notes) {
    var out = d.getElementById('openmds-verify-result');
    if (!out) return;
    out.textContent = '';
    out.className = 'verify-result ' + kind;
    var h = d.createElement('p');
    h.className = 'verify-title';
    h.textContent = title;
    out.appendChild(h);
    if (rows.length > 0) {
      var dl = d.createElement('dl');
      rows.forEach(function (r) {
        var dt = d.createElement('dt');
        dt.textContent = r[0];
        var dd = d.createElement('dd');
        dd.textContent = r[1];
        dl.appendChild(dt);
        dl.appendChild(dd);
      });
      out.appendChild(dl);
    }
    notes.forEach(function (n) {
      var p = d.createElement('p');
      p.className = 'verify-note';
      p.textContent = n;
      out.appendChild(p);
    });
  }

  async function run() {
    var el = d.getElementById('openmds-signed-statement');
    if (!el) { show('unsigned', M.unsigned, [], []); return; }
    show('checking', M.checking, [], []);
    var doc;
    try { doc = JSON.parse(el.textContent); } catch (e) { show('failed', M.failed, [], [M.noData]); return; }
    try {
      var r = await verify(doc);
      show('valid', M.valid, [[M.signer, r.signer], [M.issuer, r.issuer], [M.signedAt, r.signedAt], [M.validity, r.validity], [M.fingerprint, r.fingerprint]], [M.checked, M.trust]);
    } catch (e) {
      show('failed', M.failed, [], [e instanceof Fail ? e.message : String(e && e.message || e), M.trust]);
    }
  }

  var button = d.getElementById('openmds-verify');
  if (button) button.addEventListener('click', function () { run(); });
})();
`;

/** The CSP source that allows exactly this script to run. */
export const VERIFY_SCRIPT_CSP_HASH = `'sha256-${createHash('sha256').update(VERIFY_SCRIPT, 'utf8').digest('base64')}'`;
