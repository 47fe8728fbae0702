// SPDX-License-Identifier: AGPL-3.0-or-later
// The session inbox: host events overtake a backlog of printer reports, never a single report.

import BridgeCore
import BridgeRuntime
import Testing

@Suite struct SessionInboxTests {
    private func drain(_ inbox: SessionInbox) -> [SessionEvent] {
        var events: [SessionEvent] = []
        while let event = inbox.next() { events.append(event) }
        return events
    }

    @Test func aSingleReportAheadOfAHostLineIsHandledFirst() {
        let inbox = SessionInbox()
        inbox.yield(.report([1]))
        inbox.yield(.hostBytes([77]))
        inbox.yield(.report([2]))
        #expect(drain(inbox) == [.report([1]), .hostBytes([77]), .report([2])])
    }

    @Test func hostEventsOvertakeAReportBacklogAndEachSideKeepsItsOrder() {
        let inbox = SessionInbox()
        inbox.yield(.linkUp)
        inbox.yield(.report([1]))
        inbox.yield(.report([2]))
        inbox.yield(.hostAttached)
        inbox.yield(.hostBytes([77]))
        inbox.yield(.report([3]))
        // Backlog of three ahead of the host: the host goes first, one printer event at a time after each.
        #expect(inbox.next() == .hostAttached)
        #expect(inbox.next() == .hostBytes([77]))
        #expect(drain(inbox) == [.linkUp, .report([1]), .report([2]), .report([3])])
    }

    @Test func aHostLineWaitsForAtMostOneReportOfABacklog() {
        let inbox = SessionInbox()
        for index in 0..<100 { inbox.yield(.report([UInt8(index)])) }
        #expect(inbox.next() == .report([0]))
        inbox.yield(.hostBytes([77]))
        #expect(inbox.next() == .hostBytes([77]))
        #expect(inbox.next() == .report([1]))
        #expect(drain(inbox).count == 98)
        inbox.finish()
        inbox.yield(.tick)
        #expect(drain(inbox).isEmpty)
    }

    /// The pty's thread takes host events only, in order, and stops at the first other event, which
    /// stays for the loop with everything after it.
    @Test func thePortThreadTakesOnlyHostEventsAndStopsAtTheFirstOther() {
        let inbox = SessionInbox()
        inbox.yield(.hostAttached, wakingLoop: false)
        inbox.yield(.hostBytes([77]), wakingLoop: false)
        inbox.yield(.tick)
        inbox.yield(.hostBytes([78]), wakingLoop: false)
        #expect(inbox.next(onlyHostEvents: true) == .hostAttached)
        #expect(inbox.next(onlyHostEvents: true) == .hostBytes([77]))
        #expect(inbox.next(onlyHostEvents: true) == nil)
        #expect(!inbox.isEmpty)
        #expect(drain(inbox) == [.tick, .hostBytes([78])])

        inbox.yield(.report([1]))
        inbox.yield(.hostBytes([79]), wakingLoop: false)
        // A single report ahead of a host line is handled first, so the port's thread must stop there.
        #expect(inbox.next(onlyHostEvents: true) == nil)
        #expect(drain(inbox) == [.report([1]), .hostBytes([79])])
        #expect(inbox.isEmpty)
        #expect(!inbox.hasEventsToHandle)
        inbox.yield(.tick, wakingLoop: false)
        #expect(inbox.hasEventsToHandle)
        inbox.finish()
        #expect(inbox.isFinished)
        // Finished: nothing more is handed out, queued or not, and nothing is left to handle.
        #expect(!inbox.hasEventsToHandle)
        #expect(inbox.next() == nil)
        inbox.yield(.hostBytes([80]))
        #expect(inbox.next() == nil)
    }
}
