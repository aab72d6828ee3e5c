package io.jring.bench.server;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.ServerChannel;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.uring.IoUring;
import io.netty.channel.uring.IoUringIoHandler;
import io.netty.channel.uring.IoUringServerSocketChannel;

/**
 * Netty 4.2 with one of its native transports, on one event loop thread that accepts and serves.
 * No codec: the handlers answer the same minimal way as every other bench server (see {@link Http}),
 * writing on read and flushing once per read batch, Netty's usual idiom.
 */
final class NettyServer {
    static AutoCloseable start(String transport, String host, int echoPort, int httpPort) throws Exception {
        return start(transport, null, host, echoPort, httpPort);
    }

    /**
     * {@code tls}: when not null, the http port speaks https through Netty's {@code SslHandler}
     * over an engine from this JDK context (the same engine and certificate jring's TLS uses).
     */
    static AutoCloseable start(String transport, javax.net.ssl.SSLContext tls, String host, int echoPort, int httpPort)
            throws Exception {
        IoHandlerFactory factory;
        Class<? extends ServerChannel> channel;
        if (transport.equals("epoll")) {
            Epoll.ensureAvailability();
            factory = EpollIoHandler.newFactory();
            channel = EpollServerSocketChannel.class;
        } else {
            IoUring.ensureAvailability();
            factory = IoUringIoHandler.newFactory();
            channel = IoUringServerSocketChannel.class;
        }
        EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, factory);
        Channel echo = bind(group, channel, host, echoPort, new ChannelInitializer<>() {
            @Override
            protected void initChannel(Channel ch) {
                ch.pipeline().addLast(EchoHandler.INSTANCE);
            }
        });
        Channel http = bind(group, channel, host, httpPort, new ChannelInitializer<>() {
            @Override
            protected void initChannel(Channel ch) {
                if (tls != null) {
                    javax.net.ssl.SSLEngine engine = tls.createSSLEngine();
                    engine.setUseClientMode(false);
                    ch.pipeline().addLast(new io.netty.handler.ssl.SslHandler(engine));
                }
                ch.pipeline().addLast(new HttpHandler());
            }
        });
        System.out.println("netty " + transport + " " + io.netty.util.Version.identify().get("netty-transport"));
        return () -> {
            echo.close().sync();
            http.close().sync();
            group.shutdownGracefully(0, 1, java.util.concurrent.TimeUnit.SECONDS).sync();
        };
    }

    private static Channel bind(EventLoopGroup group, Class<? extends ServerChannel> channel, String host, int port,
                                ChannelInitializer<Channel> init) throws InterruptedException {
        return new ServerBootstrap()
                .group(group)
                .channel(channel)
                .option(ChannelOption.SO_BACKLOG, 4096)
                .option(ChannelOption.SO_REUSEADDR, true)
                .childOption(ChannelOption.TCP_NODELAY, true)
                .childHandler(init)
                .bind(host, port).sync().channel();
    }

    @ChannelHandler.Sharable
    static final class EchoHandler extends ChannelInboundHandlerAdapter {
        static final EchoHandler INSTANCE = new EchoHandler();

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            ctx.write(msg, ctx.voidPromise());
        }

        @Override
        public void channelReadComplete(ChannelHandlerContext ctx) {
            ctx.flush();
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            ctx.close();
        }
    }

    static final class HttpHandler extends ChannelInboundHandlerAdapter {
        private final Http.RequestCounter requests = new Http.RequestCounter();

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            ByteBuf in = (ByteBuf) msg;
            int complete = 0;
            for (int i = in.readerIndex(), end = in.writerIndex(); i < end; i++) {
                if (requests.feed(in.getByte(i))) {
                    complete++;
                }
            }
            in.release();
            if (complete > 0) {
                ByteBuf out = ctx.alloc().directBuffer(complete * Http.RESPONSE.length);
                for (int i = 0; i < complete; i++) {
                    out.writeBytes(Http.RESPONSE);
                }
                ctx.write(out, ctx.voidPromise());
            }
        }

        @Override
        public void channelReadComplete(ChannelHandlerContext ctx) {
            ctx.flush();
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            ctx.close();
        }
    }

    private NettyServer() {}
}
