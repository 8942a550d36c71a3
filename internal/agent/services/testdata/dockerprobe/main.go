// Command dockerprobe is the only program in the image TestRealDocker imports into a real
// Docker daemon (no registry needed): a static binary that, as the container's main process,
// burns a little CPU, holds some memory and sends UDP datagrams to its default gateway (so the
// container has network traffic both ways: the gateway answers with ICMP "port unreachable");
// "health" is its health check and "exit" makes a container that exits at once with status 3.
package main

import (
	"bufio"
	"encoding/binary"
	"encoding/hex"
	"net"
	"os"
	"strings"
	"time"
)

func main() {
	if len(os.Args) > 1 {
		switch os.Args[1] {
		case "health":
			os.Exit(0)
		case "exit":
			os.Exit(3)
		}
	}
	ballast := make([]byte, 8<<20)
	for i := range ballast {
		ballast[i] = byte(i) // touched, so it is resident and counted as the container's memory
	}
	var conn net.Conn
	payload := make([]byte, 512)
	for n := 0; ; n++ {
		if conn == nil {
			if gw := gateway(); gw != nil {
				conn, _ = net.DialUDP("udp4", nil, &net.UDPAddr{IP: gw, Port: 9})
			}
		}
		if conn != nil {
			conn.Write(payload)
		}
		x := 0
		for i := range 2_000_000 {
			x += i ^ int(ballast[i%len(ballast)])
		}
		ballast[n%len(ballast)] = byte(x)
		time.Sleep(50 * time.Millisecond)
	}
}

// gateway reads the default route's gateway from /proc/net/route (little-endian hex).
func gateway() net.IP {
	f, err := os.Open("/proc/net/route")
	if err != nil {
		return nil
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fl := strings.Fields(sc.Text())
		if len(fl) < 3 || fl[1] != "00000000" {
			continue
		}
		b, err := hex.DecodeString(fl[2])
		if err != nil || len(b) != 4 {
			continue
		}
		ip := make(net.IP, 4)
		binary.BigEndian.PutUint32(ip, binary.LittleEndian.Uint32(b))
		return ip
	}
	return nil
}
