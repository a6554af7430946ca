import Database from 'better-sqlite3';
const db = new Database('/tmp/dir100k.sqlite', { readonly: true });
function time(label: string, sqlText: string, params: unknown[] = []) {
  const st = db.prepare(sqlText);
  st.all(...params);
  const ts: number[] = [];
  let n = 0;
  for (let i = 0; i < 15; i++) { const t0 = performance.now(); n = st.all(...params).length; ts.push(performance.now() - t0); }
  ts.sort((a, b) => a - b);
  console.log(label.padEnd(40), 'median', ts[7].toFixed(1), 'max', ts[14].toFixed(1), 'rows', n);
  const plan = db.prepare('explain query plan ' + sqlText).all(...params) as { detail: string }[];
  if (process.env.PLAN) for (const p of plan) console.log('   ', p.detail);
}
const ex = (a: string, b: string) => `exists (select 1 from publication_answers a where a.row_id='${a}' and a.answer='${b}' and a.publication_id=p.id)`;
time('count public latest', `select count(*) from publications p where p.latest=1 and p.visibility='public'`);
time('count public latest + 2 answers exists', `select count(*) from publications p where p.latest=1 and p.visibility='public' and ${ex('4.1-d','yes')} and ${ex('12.4','yes')}`);
time('intersect 2 answers', `select count(*) from (select publication_id from publication_answers where row_id='4.1-d' and answer='yes' intersect select publication_id from publication_answers where row_id='12.4' and answer='yes')`);
time('in-intersect + latest page', `select p.id from publications p where p.latest=1 and p.visibility='public' and p.id in (select publication_id from publication_answers where row_id='4.1-d' and answer='yes' intersect select publication_id from publication_answers where row_id='12.4' and answer='yes') order by published_at desc limit 20`);
time('capped count 2 answers', `select count(*) from (select 1 from publications p where p.latest=1 and p.visibility='public' and ${ex('4.1-d','yes')} and ${ex('12.4','yes')} limit 1001)`);
time('page 2 answers exists', `select p.id from publications p where p.latest=1 and p.visibility='public' and ${ex('4.1-d','yes')} and ${ex('12.4','yes')} order by published_at desc limit 20`);
time('capped count 3 sparse', `select count(*) from (select 1 from publications p where p.latest=1 and p.visibility='public' and ${ex('4.1-d','yes')} and ${ex('12.4','no')} and ${ex('6','na')} limit 1001)`);
time('intersect 3 sparse count', `select count(*) from publications p where p.latest=1 and p.visibility='public' and p.id in (select publication_id from publication_answers where row_id='4.1-d' and answer='yes' intersect select publication_id from publication_answers where row_id='12.4' and answer='no' intersect select publication_id from publication_answers where row_id='6' and answer='na')`);
time('words like full', `select count(*) from publications p where p.latest=1 and p.visibility='public' and p.search_text like '%メディカル17株式会社%'`);
