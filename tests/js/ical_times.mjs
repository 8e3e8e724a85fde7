// Mozilla's ical.js (Thunderbird's parser) reading our calendar files.
// stdin: {"ics": "...", "instants": ["2027-03-28T01:30:00Z", ...]}
// stdout: {"events": [{uid, start, end, start_tzid}], "local": {instant: {wall, offset_seconds}}}
//   events' start/end are the instants ical.js reads, in UTC ISO form; `local` converts each
//   given UTC instant into the file's (first) VTIMEZONE, as a calendar would show it.
import ICAL from "ical.js";

let input = "";
for await (const chunk of process.stdin) input += chunk;
const { ics, instants = [] } = JSON.parse(input);
const calendar = new ICAL.Component(ICAL.parse(ics));
const zones = calendar.getAllSubcomponents("vtimezone").map((c) => new ICAL.Timezone(c));
for (const tz of zones) ICAL.TimezoneService.register(tz);

const iso = (time) => time.toJSDate().toISOString().replace(".000Z", "Z");
const events = calendar.getAllSubcomponents("vevent").map((c) => {
  const event = new ICAL.Event(c);
  return { uid: event.uid, start: iso(event.startDate), end: iso(event.endDate),
           start_tzid: event.startDate.zone ? event.startDate.zone.tzid : null };
});
const local = {};
if (zones.length) {
  for (const instant of instants) {
    const at = new Date(instant);
    const wall = ICAL.Time.fromJSDate(at, true).convertToZone(zones[0]);
    // The offset shown is wall minus instant (exact even in the repeated hour, where asking the
    // zone for the offset of a wall time would have to pick one of two).
    const wallSeconds = Date.UTC(wall.year, wall.month - 1, wall.day, wall.hour, wall.minute, wall.second) / 1000;
    local[instant] = { wall: wall.toString(), offset_seconds: wallSeconds - at.getTime() / 1000 };
  }
}
for (const tz of zones) ICAL.TimezoneService.remove(tz.tzid);
process.stdout.write(JSON.stringify({ events, local }));
