#include "src/dashboard/page.h"

namespace miniray {
namespace {

constexpr char kPage[] = R"html(<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<title>miniray dashboard</title>
<style>
body{font:14px system-ui,sans-serif;margin:0;background:#f6f7f9;color:#222}
header{background:#1f3a5f;color:#fff;padding:10px 18px;display:flex;gap:18px;align-items:baseline}
header h1{font-size:18px;margin:0}#status{font-size:12px;opacity:.8}
main{padding:12px 18px;display:grid;gap:14px}
section{background:#fff;border:1px solid #dde;border-radius:6px;padding:10px 14px}
h2{font-size:15px;margin:0 0 8px}table{border-collapse:collapse;width:100%}
th,td{text-align:left;padding:3px 8px;border-bottom:1px solid #eee;font-size:13px}
th{background:#f0f2f5}.dead,.failed,.ACTOR_DEAD{color:#b00020}.alive,.finished,.ACTOR_ALIVE{color:#17753a}
.running,.pending,.ACTOR_PENDING,.ACTOR_RESTARTING{color:#a66a00}
.counts span{display:inline-block;margin-right:14px;padding:2px 8px;border-radius:10px;background:#eef}
#graph{overflow:auto;max-height:520px}#graph svg{max-width:100%;height:auto}
input{padding:3px 6px;width:260px}.bar{background:#dde;height:8px;border-radius:4px;width:120px;display:inline-block}
.bar i{display:block;height:8px;border-radius:4px;background:#4a7bd0}
</style></head><body>
<header><h1>miniray dashboard</h1><span id="status">connecting…</span>
<a style="color:#cde;margin-left:auto" href="/api/timeline.json" download="timeline.json">timeline (Chrome trace JSON)</a>
<a style="color:#cde" href="/metrics">/metrics</a></header>
<main>
<section><h2>Nodes</h2><table id="nodes"><thead><tr><th>name</th><th>address</th><th>state</th>
<th>heartbeat age</th><th>total</th><th>available</th><th>object store</th><th>CPU (process / host)</th>
<th>memory (process / host used)</th></tr></thead><tbody></tbody></table></section>
<section><h2>Actors</h2><table id="actors"><thead><tr><th>id</th><th>class</th><th>name</th><th>state</th>
<th>node</th><th>restarts</th><th>death</th></tr></thead><tbody></tbody></table></section>
<section><h2>Tasks</h2><div class="counts" id="counts"></div>
<p><input id="filter" placeholder="filter: name, id, state, node"></p>
<table id="tasks"><thead><tr><th>id</th><th>name</th><th>kind</th><th>state</th><th>node</th>
<th>attempts</th><th>submitted (s)</th><th>started (s)</th><th>finished (s)</th><th>submitted by</th><th>error</th></tr></thead><tbody></tbody></table></section>
<section><h2>Task graph</h2><div id="graph">no tasks yet</div></section>
</main>
<script>
"use strict";
const $=s=>document.querySelector(s);
const esc=v=>String(v??"").replace(/[&<>"']/g,c=>({"&":"&amp;","<":"&lt;",">":"&gt;",'"':"&quot;","'":"&#39;"}[c]));
const res=r=>Object.entries(r).map(([k,v])=>k+": "+v).join(", ");
const mib=b=>(b/1048576).toFixed(1)+" MiB";
function rows(id,html){$(id+" tbody").innerHTML=html.join("");}
async function get(path,kind){
  const r=await fetch(path,{credentials:"same-origin"});
  if(!r.ok)throw new Error(path+": "+r.status+" "+(await r.text()));
  return kind==="text"?r.text():r.json();
}
function store(n){
  if(n.store_used_bytes<0)return "capacity "+mib(n.store_capacity_bytes);
  const f=n.store_capacity_bytes?n.store_used_bytes/n.store_capacity_bytes:0;
  return `<span class="bar"><i style="width:${(100*f).toFixed(0)}%"></i></span> ${mib(n.store_used_bytes)} / ${mib(n.store_capacity_bytes)}`;
}
const pct=v=>v<0?"–":v.toFixed(0)+"%";
function cpu(n){return n.cpu_percent<0?"–":pct(n.cpu_percent)+" / "+pct(n.host_cpu_percent);}
function mem(n){
  if(n.rss_bytes<0)return "–";
  const t=n.host_memory_total_bytes,u=t-n.host_memory_available_bytes,f=t?u/t:0;
  return `${mib(n.rss_bytes)} / <span class="bar"><i style="width:${(100*f).toFixed(0)}%"></i></span> ${(u/1073741824).toFixed(1)} of ${(t/1073741824).toFixed(1)} GiB`;
}
let tasks=[],graphCount=-1;
function drawTasks(){
  const f=$("#filter").value.toLowerCase();
  rows("#tasks",tasks.filter(t=>!f||[t.id,t.name,t.state,t.node,t.kind,t.parent].join(" ").toLowerCase().includes(f)).map(t=>
    `<tr><td>${esc(t.id)}</td><td>${esc(t.name)}</td><td>${esc(t.kind)}</td><td class="${esc(t.state)}">${esc(t.state)}</td>`+
    `<td>${esc(t.node)}</td><td>${t.attempts}</td><td>${t.submitted_s??""}</td><td>${t.started_s??""}</td><td>${t.finished_s??""}</td><td>${esc(t.parent||"driver")}</td><td>${esc(t.error)}</td></tr>`));
}
async function poll(){
  try{
    const [n,a,t]=await Promise.all([get("/api/nodes"),get("/api/actors"),get("/api/tasks")]);
    rows("#nodes",n.nodes.map(x=>`<tr><td>${esc(x.name)}</td><td>${esc(x.address)}</td><td class="${x.alive?"alive":"dead"}">${x.alive?"alive":"dead"}</td>`+
      `<td>${x.heartbeat_age_s.toFixed(2)} s</td><td>${esc(res(x.total))}</td><td>${esc(res(x.available))}</td><td>${store(x)}</td><td>${cpu(x)}</td><td>${mem(x)}</td></tr>`));
    rows("#actors",a.actors.map(x=>`<tr><td>${esc(x.id)}</td><td>${esc(x.class)}</td><td>${esc(x.name)}</td><td class="${esc(x.state)}">${esc(x.state)}</td>`+
      `<td>${x.node}</td><td>${x.restarts}</td><td>${esc(x.death)}</td></tr>`));
    const c=t.counts;$("#counts").innerHTML=Object.entries(c).map(([k,v])=>`<span class="${k}">${k}: <b id="count-${k}">${v}</b></span>`).join("");
    tasks=t.tasks;drawTasks();
    const sig=tasks.map(x=>x.state).join();
    if(tasks.length&&sig!==graphCount){graphCount=sig;$("#graph").innerHTML=await get("/api/graph.svg","text");}
    $("#status").textContent="updated "+new Date().toLocaleTimeString();
  }catch(e){$("#status").textContent=String(e.message);}
}
$("#filter").addEventListener("input",drawTasks);
poll();setInterval(poll,1000);
</script></body></html>
)html";

}  // namespace

const std::string& DashboardPage() {
  static const std::string* const page = new std::string(kPage);
  return *page;
}

}  // namespace miniray
